"""A local fake of PayFiP (DGFiP) speaking the protocol's shape as JSON over HTTP, run as its
own process by the payment tests: `python -m tests.payfip_fake --port N`.

Web service: `POST /ws/creerPaiementSecurise` (numcli, exer, refdet, objet, montant in cents,
mel, urlnotif, urlredirect, saisie) -> {idOp}; `POST /ws/recupererDetailPaiementSecurise`
(idOp) -> resultrans P/R/A (absent while the citizen is still on the page), numauto,
dattrans (DDMMYYYY), heurtrans (HHMM), montant, refdet, exer, numcli, mel;
`POST /ws/listerPaiements` (numcli, date) -> the paid operations of a day (what the town's
daily statement lists). The citizen's page: `GET /tpa/paiementws.web?idop=`.

Test controls (what the citizen does on PayFiP's page): `POST /test/pay/{idOp}`
{result: P|R|A, notify: bool} sets the result, calls urlnotif server to server (unless
notify is false) and answers the URL PayFiP would send the browser back to;
`POST /test/plant` records a paid operation the town's app never created.
"""

import argparse
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException

PARIS = ZoneInfo("Europe/Paris")
app = FastAPI(title="Fake PayFiP")
OPERATIONS: dict[str, dict[str, Any]] = {}
REQUIRED = (
    "numcli",
    "exer",
    "refdet",
    "objet",
    "montant",
    "mel",
    "urlnotif",
    "urlredirect",
    "saisie",
)


@app.post("/ws/creerPaiementSecurise")
async def create(body: dict[str, Any]) -> dict[str, str]:
    missing = [f for f in REQUIRED if f not in body]
    if missing or not isinstance(body["montant"], int) or body["saisie"] not in "TXW":
        raise HTTPException(400, f"P1 - paramètres invalides: {missing}")
    id_op = uuid.uuid4().hex[:20]
    OPERATIONS[id_op] = dict(body, idOp=id_op, resultrans=None)
    return {"idOp": id_op}


def _detail(operation: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "numcli",
        "exer",
        "refdet",
        "montant",
        "mel",
        "resultrans",
        "numauto",
        "dattrans",
        "heurtrans",
        "idOp",
    )
    return {k: operation.get(k) for k in keys}


@app.post("/ws/recupererDetailPaiementSecurise")
async def detail(body: dict[str, Any]) -> dict[str, Any]:
    operation = OPERATIONS.get(str(body.get("idOp")))
    if operation is None:
        raise HTTPException(404, "P5 - opération inconnue")
    return _detail(operation)


@app.post("/ws/listerPaiements")
async def paid_on(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        _detail(op)
        for op in OPERATIONS.values()
        if op["resultrans"] == "P"
        and op["numcli"] == body.get("numcli")
        and op["dattrans"] == body.get("date")
    ]


@app.get("/tpa/paiementws.web")
async def page(idop: str) -> dict[str, Any]:
    if idop not in OPERATIONS:
        raise HTTPException(404)
    return {"page": "PayFiP", "objet": OPERATIONS[idop]["objet"]}


def _settle(operation: dict[str, Any], result: str) -> None:
    now = datetime.now(PARIS)
    operation["resultrans"] = result
    if result == "P":
        operation |= {
            "numauto": uuid.uuid4().hex[:6].upper(),
            "dattrans": f"{now:%d%m%Y}",
            "heurtrans": f"{now:%H%M}",
        }


@app.post("/test/pay/{id_op}")
async def citizen_acts(id_op: str, body: dict[str, Any]) -> dict[str, str]:
    operation = OPERATIONS[id_op]
    _settle(operation, body["result"])
    if body.get("notify", True):
        async with httpx.AsyncClient(timeout=10) as client:
            await client.post(operation["urlnotif"], data={"idOp": id_op})
    return {"redirect": f"{operation['urlredirect']}?idOp={id_op}"}


@app.post("/test/plant")
async def plant(body: dict[str, Any]) -> dict[str, str]:
    id_op = uuid.uuid4().hex[:20]
    OPERATIONS[id_op] = dict(
        body,
        idOp=id_op,
        urlnotif="",
        urlredirect="",
        saisie="T",
        objet="planté",
        mel="x@example.org",
    )
    _settle(OPERATIONS[id_op], "P")
    return {"idOp": id_op}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
