// Progressive enhancement only: every page works without this file.
"use strict";

// Live regions: an element with data-live-url receives server-sent "update" events whose
// data is JSON {"parts": {element id: server-rendered (escaped) HTML}, "announce": text}.
function startLiveUpdates(root) {
  const source = new EventSource(root.dataset.liveUrl);
  const status = document.getElementById("live-status");
  source.addEventListener("update", (event) => {
    const update = JSON.parse(event.data);
    for (const [id, html] of Object.entries(update.parts || {})) {
      const target = document.getElementById(id);
      if (target) target.innerHTML = html;
    }
    if (status && update.announce) status.textContent = update.announce;
  });
}

// Keyboard shortcuts: an element with data-shortcut="x" is focused (or followed, for links)
// when x is pressed outside a text field. They can be turned off (WCAG 2.1.4).
const SHORTCUTS_KEY = "relais-shortcuts";

function shortcutsOn() {
  return localStorage.getItem(SHORTCUTS_KEY) !== "off";
}

function onShortcut(event) {
  if (!shortcutsOn() || event.ctrlKey || event.metaKey || event.altKey) return;
  const field = event.target.closest("input, textarea, select, [contenteditable]");
  if (field) return;
  const target = document.querySelector(`[data-shortcut="${CSS.escape(event.key)}"]`);
  if (!target) return;
  event.preventDefault();
  if (target.tagName === "A" || target.tagName === "BUTTON") target.click();
  else target.focus();
}

function setUpShortcutToggle(toggle) {
  toggle.hidden = false;
  const box = toggle.querySelector("input");
  box.checked = shortcutsOn();
  box.addEventListener("change", () => {
    localStorage.setItem(SHORTCUTS_KEY, box.checked ? "on" : "off");
  });
}

// A citizen's status link carries the tracking code (?code= or #code=), a document-space
// link its token (?jeton= or #jeton=): once the page is open, the address bar and the
// history keep neither.
function forgetCode() {
  const url = new URL(window.location.href);
  url.searchParams.delete("code");
  url.searchParams.delete("jeton");
  url.hash = "";
  history.replaceState(null, "", url.pathname + url.search);
}

// A link with the code in its fragment (never sent to any server): post it like the form.
function openFromFragment(form) {
  const code = new URLSearchParams(window.location.hash.slice(1)).get("code");
  if (!code) return;
  forgetCode();
  form.elements.code.value = code;
  form.submit();
}

// A document-space link with its token in the fragment: the form's button posts it.
function tokenFromFragment(form) {
  const hash = window.location.hash.slice(1);
  const token = new URLSearchParams(hash).get("jeton") || (hash.includes("=") ? "" : hash);
  if (token && !form.elements.jeton.value) form.elements.jeton.value = token;
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-token-from-fragment]").forEach(tokenFromFragment);
  if (document.querySelector("[data-forget-code]")) forgetCode();
  document.querySelectorAll("[data-code-from-fragment]").forEach(openFromFragment);
  document.querySelectorAll("[data-live-url]").forEach(startLiveUpdates);
  document.querySelectorAll("[data-shortcut-toggle]").forEach(setUpShortcutToggle);
  document.addEventListener("keydown", onShortcut);
  const summary = document.getElementById("erreurs");
  if (summary) summary.focus();
});
