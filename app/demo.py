"""Demo data in plausible French: agents in several units, ideas across the lifecycle, mines."""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import Idea, Notification, OutboxMessage, Role, User
from app.schemas import DeminageCreate, IdeaCreate, MineCreate, PromoteInput
from app.services import ideas, mines, scoring, users

DEMO_PASSWORD = "demineurs-demo"  # noqa: S105  # nosec B105

PEOPLE = [
    (
        "claire.martin@ville-exemple.fr",
        "Claire Martin",
        "Direction des systèmes d'information",
        Role.admin,
    ),
    (
        "karim.benali@ville-exemple.fr",
        "Karim Benali",
        "Direction générale des services",
        Role.manager,
    ),
    (
        "sophie.lefevre@ville-exemple.fr",
        "Sophie Lefèvre",
        "Direction des ressources humaines",
        Role.agent,
    ),
    (
        "thomas.nguyen@ville-exemple.fr",
        "Thomas Nguyen",
        "Direction des systèmes d'information",
        Role.agent,
    ),
    ("amina.diallo@ville-exemple.fr", "Amina Diallo", "État civil et accueil", Role.agent),
    ("julien.moreau@ville-exemple.fr", "Julien Moreau", "Direction des finances", Role.agent),
    ("lea.petit@ville-exemple.fr", "Léa Petit", "État civil et accueil", Role.agent),
    (
        "nicolas.garnier@ville-exemple.fr",
        "Nicolas Garnier",
        "Direction des ressources humaines",
        Role.agent,
    ),
    ("fatou.sow@ville-exemple.fr", "Fatou Sow", "Direction des finances", Role.agent),
    (
        "pierre.lambert@ville-exemple.fr",
        "Pierre Lambert",
        "Direction générale des services",
        Role.agent,
    ),
]


@dataclass(frozen=True)
class DemoIdea:
    author: int  # index in PEOPLE
    stage: str  # draft | fresh | progress | ripe | project | abandoned
    title: str
    problem: str
    solution: str = ""
    broken_rule: str = ""
    first_ground: str = ""
    themes: str = ""


IDEAS = [
    DemoIdea(
        4,
        "ripe",
        "Prise de rendez-vous en ligne pour les passeports",
        "Les usagers font la queue dès 7 h devant la mairie pour obtenir un créneau de passeport ; "
        "près de 400 personnes par mois repartent sans rendez-vous, souvent après avoir posé une demi-journée.",
        "Grâce à un agenda en ligne partagé avec l'accueil, chaque usager réserve son créneau en deux minutes "
        "et reçoit un rappel la veille ; l'accueil garde des créneaux pour les personnes sans internet.",
        "On abandonne la règle du « premier arrivé, premier servi » au guichet, qui favorise ceux qui peuvent attendre.",
        "Le guichet passeports de la mairie annexe du quartier Nord, pendant trois mois, avec deux agents volontaires.",
        "accueil, numérique, usagers",
    ),
    DemoIdea(
        2,
        "ripe",
        "Tutorat entre agents pour les nouveaux arrivants",
        "Un nouvel agent sur trois dit ne pas savoir à qui s'adresser pendant ses premières semaines ; "
        "le turnover des contractuels coûte cher et les mêmes questions reviennent sans cesse aux RH.",
        "Grâce à un binôme choisi dans un autre service, chaque nouvel arrivant a un interlocuteur pendant trois mois, "
        "avec trois rendez-vous prévus et un guide partagé tenu à jour par les tuteurs eux-mêmes.",
        "On abandonne l'idée que l'accueil d'un agent relève seulement de son chef de service et des RH.",
        "Les quinze prochains recrutements de la direction des finances et de l'état civil.",
        "rh, accueil, collectif",
    ),
    DemoIdea(
        5,
        "ripe",
        "Dématérialiser les bons de commande de fournitures",
        "Chaque bon de commande papier passe par quatre bureaux et met en moyenne douze jours à être signé ; "
        "des fournitures urgentes arrivent trop tard et des doublons de commande passent inaperçus.",
        "Grâce à un circuit de validation dans le logiciel financier, le bon est signé en ligne en deux jours "
        "et chaque service voit où en est sa commande sans téléphoner.",
        "On abandonne la signature manuscrite obligatoire pour les commandes de moins de 1 000 euros.",
        "Les commandes de fournitures de bureau de la direction des finances et de la DSI pendant un trimestre.",
        "finances, simplification",
    ),
    DemoIdea(
        3,
        "ripe",
        "Un seul identifiant pour tous les logiciels métier",
        "Les agents jonglent avec sept à dix mots de passe différents ; le support informatique reçoit "
        "80 demandes de réinitialisation par mois, autant d'heures perdues des deux côtés.",
        "Grâce à une authentification unique, l'agent ouvre sa session le matin et accède à ses logiciels métier "
        "sans ressaisir de mot de passe ; le départ d'un agent ferme tous ses accès d'un coup.",
        "On abandonne la gestion des comptes logiciel par logiciel, chacun avec son propre administrateur.",
        "Trois logiciels (messagerie, finances, RH) pour les agents de la DSI et des finances.",
        "numérique, sécurité",
    ),
    DemoIdea(
        6,
        "progress",
        "Traduction instantanée au guichet d'accueil",
        "Les agents d'accueil reçoivent chaque semaine des usagers qui ne parlent pas français ; faute d'interprète, "
        "les démarches sont reportées ou expliquées par un enfant qui traduit pour ses parents.",
        "Grâce à une tablette de traduction vocale au guichet, l'agent et l'usager se comprennent dans une vingtaine "
        "de langues, et les documents clés existent en version traduite.",
        "On abandonne le principe qu'une démarche ne peut se faire qu'en français au guichet.",
        "Le guichet unique de l'hôtel de ville, deux demi-journées par semaine.",
        "accueil, usagers, inclusion",
    ),
    DemoIdea(
        7,
        "progress",
        "Bourse aux compétences internes",
        "Des agents ont des compétences (langues, graphisme, tableur avancé) que personne ne connaît, "
        "pendant que d'autres services paient des prestataires pour ces mêmes besoins.",
        "Grâce à un annuaire des compétences déclarées par les agents volontaires, un service trouve en interne "
        "qui peut l'aider quelques heures, avec l'accord des deux chefs de service.",
        "On abandonne l'idée qu'un agent ne travaille que pour son service d'affectation.",
        "Un appel à volontaires dans deux directions pour une première liste de trente compétences.",
        "rh, collectif",
    ),
    DemoIdea(
        8,
        "progress",
        "Paiement des cantines par prélèvement automatique",
        "Les familles reçoivent une facture papier chaque mois et 15 % paient en retard ; les relances "
        "occupent un agent à mi-temps et certaines familles se retrouvent en contentieux pour quelques euros.",
        "Grâce au prélèvement automatique proposé à l'inscription, les familles qui le souhaitent n'ont plus rien à faire "
        "et les relances ne concernent plus que quelques dossiers.",
        "On abandonne la facture papier mensuelle envoyée par défaut à toutes les familles.",
        "Les familles de deux écoles élémentaires volontaires à la rentrée prochaine.",
        "finances, usagers",
    ),
    DemoIdea(
        9,
        "progress",
        "Réunions de service limitées à trente minutes",
        "Les réunions hebdomadaires durent souvent deux heures sans ordre du jour ; les agents disent en sortir "
        "sans décision et sans savoir qui fait quoi.",
        "Grâce à un format court avec ordre du jour partagé la veille et relevé de décisions en fin de séance, "
        "chaque réunion tient en trente minutes et chacun repart avec ses actions.",
        "On abandonne la réunion d'information descendante où le chef lit les notes de service.",
        "La réunion hebdomadaire de la direction générale des services pendant deux mois.",
        "management, organisation",
    ),
    DemoIdea(
        2,
        "progress",
        "Télétravail depuis des tiers-lieux publics",
        "Des agents habitant loin passent deux heures par jour dans les transports mais ne peuvent pas télétravailler "
        "chez eux faute de place ou de connexion correcte.",
        "Grâce à des postes réservables dans les médiathèques et mairies annexes, l'agent travaille près de chez lui "
        "un ou deux jours par semaine dans un cadre professionnel.",
        "On abandonne l'obligation de télétravailler uniquement à son domicile déclaré.",
        "Quatre postes à la médiathèque de l'Ouest pour une dizaine d'agents volontaires.",
        "rh, télétravail",
    ),
    DemoIdea(
        3,
        "fresh",
        "Signalements de voirie par photo géolocalisée",
        "Les habitants signalent les nids-de-poule par téléphone ou courrier ; les services techniques reçoivent des "
        "descriptions imprécises et se déplacent parfois deux fois pour trouver le problème.",
        "Grâce à un formulaire en ligne avec photo et position, le signalement arrive directement dans l'outil "
        "des équipes de voirie et l'habitant est prévenu quand c'est réparé.",
        "On abandonne le passage obligatoire par le standard pour tout signalement.",
        "Un quartier pilote et une équipe de voirie pendant l'été.",
        "usagers, numérique, voirie",
    ),
    DemoIdea(
        4,
        "fresh",
        "Accueil sans rendez-vous le samedi matin",
        "Les actifs ne peuvent pas venir en mairie en semaine ; ils posent des congés pour des démarches "
        "de quelques minutes.",
        "Grâce à une permanence le samedi matin tenue par des agents volontaires, les démarches simples se font "
        "sans prendre de congé.",
        "On abandonne des horaires d'ouverture calés uniquement sur ceux des bureaux.",
        "La mairie centrale, un samedi sur deux pendant quatre mois.",
        "accueil, usagers",
    ),
    DemoIdea(
        5,
        "fresh",
        "Budget participatif interne pour les services",
        "Les petites améliorations du quotidien (une imprimante, un store, un logiciel) attendent un an "
        "le prochain arbitrage budgétaire et découragent les agents qui les proposent.",
        "Grâce à une enveloppe annuelle votée par les agents eux-mêmes, les petites améliorations sont financées "
        "en quelques semaines.",
        "",
        "",
        "finances, collectif",
    ),
    DemoIdea(
        6,
        "progress",
        "Archivage numérique des actes d'état civil",
        "Les registres papier s'abîment et chaque demande de copie intégrale impose de descendre aux archives ; "
        "certaines demandes attendent trois semaines.",
        "Grâce à la numérisation des registres de plus de 75 ans, les copies sont délivrées en quelques minutes "
        "et les originaux ne sortent plus des archives.",
        "On abandonne la consultation systématique des registres originaux pour chaque copie.",
        "Les registres de naissance de 1900 à 1950 pendant six mois.",
        "état civil, archives, numérique",
    ),
    DemoIdea(
        7,
        "progress",
        "Covoiturage entre agents pour les déplacements professionnels",
        "Les véhicules de service partent souvent avec une seule personne vers les mêmes destinations ; le parc coûte "
        "cher et les agents sans permis sont exclus de certaines missions.",
        "Grâce à un tableau partagé des déplacements prévus, les agents qui vont au même endroit partent ensemble.",
        "On abandonne la réservation individuelle du véhicule de service par chaque agent.",
        "Les déplacements vers la préfecture et le centre de gestion pendant un trimestre.",
        "mobilité, organisation",
    ),
    DemoIdea(
        8,
        "fresh",
        "Entretiens annuels préparés avec l'agent",
        "Les entretiens professionnels sont vécus comme une formalité : la grille est remplie par le chef seul, "
        "et les souhaits de formation se perdent.",
        "Grâce à une trame envoyée une semaine avant, l'agent prépare ses réussites et ses souhaits ; "
        "l'entretien devient un échange.",
        "On abandonne la grille remplie par le seul supérieur hiérarchique.",
        "",
        "rh, management",
    ),
    DemoIdea(
        9,
        "progress",
        "Tableau de bord public des délais de traitement",
        "Les usagers appellent pour savoir où en est leur dossier ; les agents passent une partie de la journée "
        "au téléphone à répondre la même chose.",
        "Grâce à un tableau de bord en ligne des délais moyens par démarche, l'usager sait à quoi s'attendre "
        "et n'appelle qu'en cas de retard anormal.",
        "On abandonne la culture du délai non communiqué.",
        "Les démarches d'urbanisme et d'état civil, mises à jour chaque semaine.",
        "transparence, usagers",
    ),
    DemoIdea(
        0,
        "project",
        "Messagerie instantanée interne souveraine",
        "Les agents utilisent des messageries grand public sur leur téléphone personnel pour se coordonner ; "
        "des données d'usagers y circulent sans contrôle.",
        "Grâce à une messagerie interne hébergée par la collectivité, les équipes se coordonnent en temps réel "
        "et les échanges restent dans le système d'information.",
        "On abandonne la tolérance envers les messageries personnelles pour le travail.",
        "Les équipes de la DSI et de l'état civil, soit quarante agents, pendant trois mois.",
        "numérique, sécurité",
    ),
    DemoIdea(
        4,
        "project",
        "Livret d'accueil des usagers en facile à lire",
        "Les courriers et formulaires de la mairie sont incompréhensibles pour une partie des usagers ; "
        "les erreurs de dossier obligent à des allers-retours.",
        "Grâce à des documents réécrits selon la méthode « facile à lire et à comprendre », testés avec des usagers, "
        "les dossiers arrivent complets du premier coup.",
        "On abandonne la rédaction des courriers par les seuls juristes.",
        "Les cinq formulaires d'état civil les plus demandés.",
        "usagers, inclusion",
    ),
    DemoIdea(
        2,
        "project",
        "Mentorat inversé sur les outils numériques",
        "Des cadres expérimentés maîtrisent mal les outils collaboratifs, tandis que de jeunes agents ne connaissent pas "
        "les rouages de l'administration ; chacun reste dans son coin.",
        "Grâce à des binômes où le jeune agent forme au numérique et le cadre transmet sa connaissance de la maison, "
        "les deux progressent.",
        "On abandonne l'idée que la formation descend toujours de l'ancien vers le nouveau.",
        "Dix binômes volontaires sur six mois.",
        "rh, numérique, collectif",
    ),
    DemoIdea(
        6,
        "abandoned",
        "Pointeuse biométrique pour les horaires variables",
        "Le relevé des horaires variables sur papier est source d'erreurs et de contestations.",
        "Grâce à une pointeuse à empreinte digitale, les horaires sont relevés sans erreur possible.",
        "On abandonne la feuille d'émargement papier.",
        "Le centre technique municipal.",
        "rh, organisation",
    ),
    DemoIdea(
        9,
        "abandoned",
        "Fermer l'accueil physique le mercredi",
        "L'accueil est peu fréquenté le mercredi et les agents pourraient avancer sur le traitement des dossiers.",
        "Grâce à une journée sans accueil, les dossiers en retard sont traités et les délais baissent.",
        "On abandonne l'ouverture de l'accueil tous les jours ouvrés.",
        "La mairie annexe du quartier Nord.",
        "accueil, organisation",
    ),
    DemoIdea(
        7,
        "abandoned",
        "Imprimer moins grâce à des quotas par agent",
        "Le budget d'impression ne cesse de croître et beaucoup de pages partent à la poubelle sans être lues.",
        "Grâce à un quota de pages par agent, chacun réfléchit avant d'imprimer.",
        "On abandonne l'impression illimitée.",
        "Tous les services de l'hôtel de ville.",
        "environnement, finances",
    ),
    DemoIdea(
        3,
        "draft",
        "Chatbot pour les questions RH fréquentes",
        "Les RH répondent chaque jour aux mêmes questions sur les congés, la mutuelle et les fiches de paie.",
    ),
    DemoIdea(
        5,
        "draft",
        "Factures fournisseurs payées en quinze jours",
        "Les petites entreprises locales attendent en moyenne quarante-cinq jours pour être payées, certaines refusent "
        "désormais de répondre aux marchés de la ville.",
        "Grâce à un circuit court de validation, les factures sont payées en quinze jours.",
        "",
        "",
        "finances",
    ),
    DemoIdea(
        8,
        "draft",
        "Salle de repos partagée entre services",
        "Les agents déjeunent à leur bureau faute de lieu pour se poser ; on ne croise jamais les collègues des "
        "autres directions.",
    ),
]

# (category, severity, title, body, déminage kind, déminage body)
MINES = [
    (
        "data_privacy",
        "blocking",
        "Hébergement des données",
        "Où sont hébergées les données personnelles ? Si c'est hors de l'Union européenne, c'est bloquant au regard du RGPD.",
        "solution",
        "Le prestataire propose un hébergement certifié SecNumCloud en France ; la clause est au contrat type de la centrale d'achat.",
    ),
    (
        "legal",
        "major",
        "Base juridique du traitement",
        "Il faut une base légale claire et une mention d'information pour les usagers, sinon la CNIL peut nous reprendre.",
        "expertise",
        "J'ai rédigé ce type de mention pour l'état civil : mission de service public, article 6-1-e du RGPD. Je peux relire la vôtre.",
    ),
    (
        "budget",
        "major",
        "Coût de l'abonnement",
        "L'abonnement annuel n'est prévu dans aucune ligne budgétaire de cette année.",
        "solution",
        "La ligne « modernisation » de la DGS a un reliquat qui couvre la phase pilote ; la suite irait au budget supplémentaire.",
    ),
    (
        "adoption",
        "major",
        "Usagers sans accès à internet",
        "Une partie des usagers âgés n'a ni ordinateur ni smartphone : ils risquent d'être exclus.",
        "precedent",
        "La commune voisine garde 30 % des créneaux au guichet et au téléphone : aucun usager n'a été perdu en un an.",
    ),
    (
        "organisation",
        "minor",
        "Charge de travail pendant la transition",
        "Les agents vont devoir gérer l'ancien et le nouveau système en parallèle pendant quelques semaines.",
        "solution",
        "Prévoir un renfort de deux vacataires pendant un mois : la DRH a un budget pour ces pics.",
    ),
    (
        "technical",
        "major",
        "Compatibilité avec le logiciel métier",
        "Le logiciel métier actuel n'a pas d'interface ouverte : l'intégration risque d'être manuelle.",
        "contact",
        "L'éditeur a une API depuis la version 8 ; contactez Marc Durand, chef de projet chez eux, il l'a déployée à Rennes.",
    ),
    (
        "security",
        "major",
        "Authentification des agents",
        "Sans double authentification, un mot de passe volé donne accès à tout.",
        "resource",
        "Le guide de l'ANSSI sur l'authentification multifacteur donne une démarche pas à pas ; la DSI a déjà les jetons.",
    ),
    (
        "ethics",
        "blocking",
        "Données biométriques des agents",
        "Une empreinte digitale pour pointer est disproportionnée : la CNIL l'interdit sauf exception.",
        "expertise",
        "Confirmé : la CNIL n'autorise la biométrie au travail que pour des accès très sensibles.",
    ),
    (
        "organisation",
        "major",
        "Accord des chefs de service",
        "Les chefs de service risquent de refuser que leurs agents passent du temps ailleurs.",
        "solution",
        "Une charte signée par le comité de direction fixe un plafond de deux jours par mois, avec accord préalable.",
    ),
    (
        "adoption",
        "minor",
        "Habitudes des agents",
        "Les agents sont attachés à l'organisation actuelle : un changement imposé sera mal vécu.",
        "precedent",
        "À la DSI, nous avons commencé avec des volontaires : après deux mois, les autres ont demandé à rejoindre.",
    ),
    (
        "legal",
        "blocking",
        "Continuité du service public",
        "Fermer l'accueil un jour par semaine rompt l'égalité d'accès au service public pour ceux qui ne peuvent venir que ce jour-là.",
        "expertise",
        "Une permanence téléphonique ne suffit pas : le principe de continuité impose une solution d'accueil.",
    ),
    (
        "budget",
        "minor",
        "Matériel à acheter",
        "Il faudra des tablettes et des supports : qui paie ?",
        "resource",
        "L'UGAP propose un lot de tablettes durcies à prix négocié ; le catalogue est sur l'intranet des achats.",
    ),
    (
        "technical",
        "minor",
        "Connexion réseau des sites",
        "La mairie annexe a un débit très faible : la solution en ligne risque d'être lente.",
        "solution",
        "La fibre arrive à l'annexe en mars ; d'ici là, un routeur 4G de secours suffit pour deux postes.",
    ),
    (
        "data_privacy",
        "major",
        "Durée de conservation",
        "Combien de temps garde-t-on les données ? Sans durée définie, on conserve tout indéfiniment.",
        "expertise",
        "Le référentiel des archives territoriales donne les durées : deux ans pour ce type de données, puis destruction.",
    ),
]

LESSONS = {
    "Pointeuse biométrique pour les horaires variables": "La biométrie au travail est quasi interdite : vérifier le cadre CNIL avant de chiffrer une solution.",
    "Fermer l'accueil physique le mercredi": "Le service public doit rester accessible : chercher à mieux répartir l'accueil plutôt qu'à le fermer.",
    "Imprimer moins grâce à des quotas par agent": "Les quotas ont été vécus comme de la défiance ; l'impression recto verso par défaut a mieux marché.",
}


def _ensure_people(session: Session) -> list[User]:
    people = []
    for email, name, unit, role in PEOPLE:
        user = users.get_by_email(session, email)
        if user is None:
            user = users.create_user(
                session, email=email, name=name, unit=unit, role=role, password=DEMO_PASSWORD
            )
        people.append(user)
    # A few colleagues say what they are happy to be asked about.
    for index, subjects in ((3, "technical,security"), (8, "budget"), (7, "organisation,legal")):
        if not people[index].ask_subjects:
            people[index].ask_subjects = subjects
            session.add(people[index])
    return people


def _others(people: list[User], author: User, rng: random.Random) -> list[User]:
    """Colleagues from other units first, so that ripe ideas get crossed views."""
    others = [p for p in people if p.id != author.id]
    rng.shuffle(others)
    others.sort(key=lambda p: p.unit_id == author.unit_id)
    return others


def _play(
    session: Session,
    settings: Settings,
    people: list[User],
    spec: DemoIdea,
    index: int,
    now: datetime,
) -> None:
    params = scoring.scoring_params(session, settings)
    rng = random.Random(index)  # noqa: S311  # nosec B311
    author = people[spec.author]
    start = now - timedelta(days=40 - index)
    data = IdeaCreate(
        title=spec.title,
        problem=spec.problem,
        solution=spec.solution,
        broken_rule=spec.broken_rule,
        first_ground=spec.first_ground,
        themes=spec.themes,
    )  # type: ignore[arg-type]
    idea = ideas.create_draft(session, params, author, data, start)
    if spec.stage == "draft":
        return
    t = start + timedelta(hours=2)
    ideas.publish(session, params, author, idea, t)
    if spec.stage == "fresh":
        if index % 2:
            reviewer = _others(people, author, rng)[0]
            cat, sev, title, body, _, _ = MINES[index % len(MINES)]
            mines.lay_mine(
                session,
                params,
                reviewer,
                idea,
                MineCreate(category=cat, severity=sev, title=title, body=body),
                now - timedelta(hours=5),
            )  # type: ignore[arg-type]
        return

    reviewers = _others(people, author, rng)
    count = {"progress": 3, "ripe": 4, "project": 4, "abandoned": 2}[spec.stage]
    # Mines 7 and 10 belong to the abandoned ideas' stories; the others fit any idea.
    picks = rng.sample([i for i in range(len(MINES)) if i not in (7, 10)], count)
    if spec.stage == "abandoned":
        picks = [7 if "biométrique" in spec.title else 10 if "mercredi" in spec.title else 2, 9]
    for n, pick in enumerate(picks):
        cat, sev, title, body, kind, answer = MINES[pick]
        if spec.stage in ("ripe", "project") and sev == "blocking" and n == count - 1:
            sev = "major"
        layer = reviewers[n % len(reviewers)]
        t += timedelta(days=1)
        mine = mines.lay_mine(
            session,
            params,
            layer,
            idea,
            MineCreate(category=cat, severity=sev, title=title, body=body),
            t,
        )  # type: ignore[arg-type]
        helper = reviewers[(n + 1) % len(reviewers)]
        if helper.id == layer.id:
            helper = author
        t += timedelta(hours=6)
        deminage = mines.bring_deminage(
            session, params, helper, mine, idea, DeminageCreate(kind=kind, body=answer), t
        )  # type: ignore[arg-type]
        if spec.stage in ("ripe", "project") or (spec.stage == "progress" and n == 0):
            if n == 2 and sev != "blocking" and spec.stage == "ripe":
                mines.accept_risk(
                    session,
                    params,
                    author,
                    mine,
                    idea,
                    "Risque limité sur le périmètre du pilote ; on le réévalue au bilan.",
                    t,
                )
            else:
                accepter = layer if n % 2 else author
                mines.accept_deminage(session, params, accepter, deminage, mine, idea, t)
        if layer.id != author.id and helper.id != author.id and rng.random() < 0.6:
            mines.toggle_helpful(session, layer, deminage)
    if spec.stage == "project":
        decision = PromoteInput(
            sponsor="Karim Benali, directeur général des services",
            next_step="Lancer le pilote sur le premier terrain et en faire le bilan à trois mois.",
            target_date=date(now.year + 1, 3, 31),
            reason="Arbitrage du comité de direction : le pilote est déjà budgété.",
        )
        ideas.promote(session, params, people[1], idea, decision, t + timedelta(days=4))
    if spec.stage == "abandoned":
        ideas.abandon(session, params, author, idea, LESSONS[spec.title], t + timedelta(days=2))


def seed_demo(
    session: Session, settings: Settings, now: datetime
) -> list[tuple[str, str, str, str]]:
    """Load the demo accounts and ideas; running it again adds nothing."""
    people = _ensure_people(session)
    first_message = session.exec(select(func.max(OutboxMessage.id))).one() or 0
    existing = {(i.author_id, i.title) for i in session.exec(select(Idea))}
    for index, spec in enumerate(IDEAS):
        if (people[spec.author].id, spec.title) not in existing:
            _play(session, settings, people, spec, index, now)
    session.flush()
    # The demo's story happened in the past: nobody is mailed about it.
    session.execute(delete(OutboxMessage).where(col(OutboxMessage.id) > first_message))
    session.execute(
        update(Notification).where(col(Notification.mailed_at).is_(None)).values(mailed_at=now)
    )
    return [(email, name, str(role), unit) for email, name, unit, role in PEOPLE]
