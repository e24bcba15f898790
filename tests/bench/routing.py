"""Routing figures: accuracy and confusion on the evaluation set, training time, decisions/s."""

import time

from services.routing.evaluation import evaluate, load_cases, render
from services.routing.router import Query
from tests.routing_support import EVALUATION, seed_classifier, seed_router

# A 500-character request as citizens write them: greeting, the problem, a second topic.
TEXT_500 = (
    "Bonjour madame, monsieur, je me permets de vous écrire car plusieurs lampadaires sont "
    "éteints allée des Tilleuls depuis maintenant plus d'une semaine, le soir c'est tout noir "
    "et les enfants rentrent de l'école à pied, c'est vraiment dangereux. En plus le trottoir "
    "est abîmé juste devant le numéro 14, une dame âgée a failli tomber hier. Pourriez-vous "
    "envoyer quelqu'un pour regarder ? Je reste disponible si besoin au téléphone. Merci "
    "d'avance pour votre aide et bonne journée à toute l'équipe de la mairie, cordialement."
)[:500]


def measure(*, seconds: float = 5.0) -> dict[str, float]:
    started = time.perf_counter()
    seed_classifier()
    figures = {"routing_train_s": time.perf_counter() - started}
    router = seed_router()
    report = evaluate(router, load_cases(EVALUATION))
    print(render(report))
    figures["routing_accuracy_pct"] = report.accuracy * 100
    figures["routing_confident_wrong_pct"] = report.confident_wrong_rate * 100
    figures["routing_triage_pct"] = report.triage_rate * 100
    query, count = Query(text=TEXT_500), 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        router.decide(query)  # one request at a time, explanation included, as the consumer does
        count += 1
    figures["routing_decisions_per_s"] = count / elapsed
    return figures


if __name__ == "__main__":
    for name, value in measure().items():
        print(f"{name}: {value:,.2f}")
