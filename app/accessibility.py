"""What this version of the software is known to fail of the RGAA: the accessibility declaration
lists it, and, while it lists anything, the site cannot be declared « totalement conforme »
(app/config.py refuses the setting)."""

KNOWN_NONCONFORMITIES = (
    "La fiche produit au format PDF n’est pas un document balisé\u202f; sa version Markdown, "
    "proposée à côté, en donne tout le contenu.",
    "La documentation interactive de l’API (page «\u00a0API\u00a0», le composant tiers "
    "Swagger\u00a0UI)\u00a0: axe-core y relève des contrastes de couleurs insuffisants "
    "(critère\u00a03.2) et des éléments interactifs imbriqués les uns dans les autres "
    "(critère\u00a07.1). Le reste de la page est vérifié, et le document OpenAPI auquel elle "
    "renvoie, lisible sans JavaScript, en donne tout le contenu.",
    "Les textes écrits par les agents (idées, mines, déminages) peuvent contenir des liens dont "
    "l’intitulé seul ne dit pas la destination.",
)
