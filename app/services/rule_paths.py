"""The paths that exist to change each kind of rule an idea breaks, written for an agent."""

from dataclasses import dataclass

from app.models.idea import RULE_KIND_LABELS, RuleKind


@dataclass(frozen=True)
class LegalPath:
    title: str
    text: str
    reference: str  # the official text it rests on, "" when none is needed


NO_LEAVE = LegalPath(
    "Personne à qui demander",
    "Une habitude n’est écrite nulle part\u00a0: l’équipe peut essayer autrement dès le premier "
    "terrain. Prévenez votre hiérarchie et les personnes concernées, et gardez trace de ce que "
    "l’essai montre.",
    "",
)
ITS_AUTHOR = LegalPath(
    "Demander à qui l’a écrite",
    "Une procédure, une note ou une circulaire a un auteur\u00a0: le service ou la direction "
    "qui l’a "
    "signée peut l’adapter, ou accepter un essai limité au premier terrain. Venez avec le "
    "problème, le périmètre de l’essai et la date de son bilan.",
    "",
)
CONSTANT_LAW = LegalPath(
    "À droit constant",
    "Avant de demander un changement de texte, vérifiez ce que le texte impose vraiment\u00a0: "
    "beaucoup d’habitudes passent pour des obligations. Une note ou une circulaire interprète le "
    "droit sans pouvoir y ajouter\u202f; celles qui ne sont pas publiées ne peuvent pas être "
    "opposées. "
    "Le service juridique de votre administration peut le dire par écrit.",
    "Code des relations entre le public et l’administration, articles L. 312-2 et suivants",
)
LOCAL_ACT = LegalPath(
    "La collectivité change son propre acte",
    "Un arrêté du maire ou du président, ou une délibération du conseil, est un acte de la "
    "collectivité\u00a0: elle peut le changer elle-même, sans demander de dérogation à "
    "personne. Un arrêté se modifie par un nouvel arrêté du maire ou du président en "
    "fonction\u202f; une "
    "délibération, par une nouvelle délibération de l’assemblée, à inscrire à l’ordre du jour "
    "d’une séance. Elle peut limiter l’essai au premier terrain et fixer la date de son bilan.",
    "Code général des collectivités territoriales, articles L. 2121-29, L. 3211-1 et L. 4221-1"
    "\u00a0: le conseil règle par ses délibérations les affaires de la commune, du département, "
    "de la région",
)
LOCAL_EXPERIMENTATION = LegalPath(
    "L’expérimentation par les collectivités",
    "Quand l’acte de la collectivité ne fait qu’appliquer une loi ou un décret qui bloque "
    "l’idée, c’est ce texte national qui est à changer\u00a0: la loi ou le règlement peut "
    "autoriser les collectivités qui le demandent à y déroger, à titre expérimental, pour un "
    "objet et une durée limités. La collectivité le demande par une délibération motivée.",
    "Constitution du 4 octobre 1958, article 72, alinéa 4\u202f; code général des collectivités "
    "territoriales, articles LO 1113-1 et suivants",
)
PREFECT_DEROGATION = LegalPath(
    "La dérogation du préfet",
    "Le préfet peut déroger à une règle de l’État fixée par décret ou par arrêté (non à un acte "
    "de la collectivité, qui se change elle-même) pour prendre une décision "
    "individuelle, dans certaines matières (aides publiques, aménagement du territoire, "
    "environnement, agriculture, construction et urbanisme, emploi, patrimoine, activités "
    "sportives et associatives)\u00a0: pour un motif d’intérêt général et des circonstances "
    "locales, "
    "si cela allège une démarche, raccourcit un délai ou facilite l’accès à une aide, sans "
    "atteinte à la sécurité des personnes et des biens. La demande passe par la préfecture.",
    "Décret n° 2020-412 du 8 avril 2020 relatif au droit de dérogation reconnu au préfet",
)
EXPERIMENTATION = LegalPath(
    "L’expérimentation",
    "La loi et le règlement peuvent comporter, pour un objet et une durée limités, des "
    "dispositions à caractère expérimental\u00a0: un texte peut ainsi autoriser l’essai de votre "
    "idée sur un premier terrain, avec son évaluation. C’est la voie des changements qui "
    "touchent un décret ou une loi\u202f; elle se prépare avec la direction qui porte le texte.",
    "Constitution du 4 octobre 1958, article 37-1",
)
FRANCE_EXPERIMENTATION = LegalPath(
    "France Expérimentation",
    "Le guichet de l’État pour les projets innovants bloqués par une disposition législative ou "
    "réglementaire\u00a0: il étudie la demande avec les ministères concernés, qui peuvent accorder "
    "une dérogation à titre expérimental ou changer le texte.",
    "France Expérimentation, ministère de l’Économie et direction interministérielle de la "
    "transformation publique",
)
EUROPEAN_LAW = LegalPath(
    "Ce que le texte européen impose",
    "Une règle européenne ne se change pas depuis un service, mais la règle française qui la "
    "transpose va souvent plus loin qu’elle\u00a0: comparez les deux textes. La position de "
    "la France "
    "sur un texte européen se prépare avec le Secrétariat général des affaires européennes, "
    "par votre ministère.",
    "Traité sur le fonctionnement de l’Union européenne, article 288",
)

PATHS_BY_KIND: dict[RuleKind, tuple[LegalPath, ...]] = {
    RuleKind.habit: (NO_LEAVE,),
    RuleKind.internal_procedure: (ITS_AUTHOR, CONSTANT_LAW),
    RuleKind.circular: (ITS_AUTHOR, CONSTANT_LAW),
    RuleKind.local_act: (LOCAL_ACT, CONSTANT_LAW, LOCAL_EXPERIMENTATION),
    RuleKind.decree: (CONSTANT_LAW, PREFECT_DEROGATION, EXPERIMENTATION, FRANCE_EXPERIMENTATION),
    RuleKind.law: (CONSTANT_LAW, EXPERIMENTATION, FRANCE_EXPERIMENTATION),
    RuleKind.european_law: (EUROPEAN_LAW, CONSTANT_LAW),
}


def paths_for(kind: str) -> tuple[LegalPath, ...]:
    """The paths for a kind of rule; none while the author has not said which kind."""
    known = {k.value: k for k in RuleKind}
    return PATHS_BY_KIND[known[kind]] if kind in known else ()


def kinds() -> list[tuple[str, str]]:
    """Every kind of rule with its label, in the order the form offers them."""
    return [(kind.value, RULE_KIND_LABELS[kind]) for kind in RuleKind]
