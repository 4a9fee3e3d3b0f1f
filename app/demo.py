"""Demo data in plausible French: a year of a town hall's ideas, each with its own mines and answers.

Ten agents in five units; ideas written over eleven months, at every stage: drafts, fresh ones,
ideas being defused, a few ripe ones, one promoted to a project, one abandoned with its lesson.
Each mine is an objection to its own idea, and each déminage answers that mine. Two calls for
ideas: one still taking ideas, one its sponsor decided (an idea promoted, one sent back)."""

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from app.config import Settings
from app.models import CallForIdeas, Idea, Notification, OutboxMessage, Role, User
from app.schemas import (
    CallInput,
    DeminageCreate,
    IdeaCreate,
    MilestoneInput,
    MineCreate,
    PromoteInput,
)
from app.services import call_outcomes, calls, ideas, mines, outcomes, scoring, users

DEMO_PASSWORD = "demineurs-demo"  # noqa: S105  # nosec B105

PEOPLE = [
    (
        "claire.martin@ville-exemple.fr",
        "Claire Martin",
        "Direction des systèmes d’information",
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
        "Direction des systèmes d’information",
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
class DemoMine:
    """A colleague's objection, its answer (if any) and what became of it."""

    layer: int  # index in PEOPLE: who lays the mine
    category: str
    severity: str  # minor | major | blocking
    title: str
    body: str
    helper: int | None = None  # who brings the déminage; None: nobody yet
    kind: str = ""
    answer: str = ""
    outcome: str = "open"  # open | accepted (by the idea's author) | accepted_by_layer | risk
    after: int = 5  # days after the previous step of the idea's story
    scope: str = "first_ground"  # first_ground | generalisation
    basis: str = "intuition"  # lived | text | figures | intuition
    basis_reference: str = ""  # for a text: which one


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
    rule: tuple[str, str] = ("", "")  # the broken rule's kind (a RuleKind) and its reference
    days_ago: int = 30  # when it was written
    mines: tuple[DemoMine, ...] = ()
    lesson: str = ""  # abandoned: what was learned
    risk_reason: str = ""  # ripe: why the author assumes the risk of a mine marked « risk »
    call: str = ""  # the key in CALLS of the call for ideas it answers, if any


@dataclass(frozen=True)
class DemoCall:
    """A call for ideas: opened `opened_ago` days ago, its dates counted from today."""

    question: str
    context: str
    criteria: str
    sponsor: int  # index in PEOPLE
    units: tuple[str, ...]  # its audience; none: everyone
    opened_ago: int
    ideas_in: int  # days from today (negative: in the past)
    deminage_in: int
    decision_in: int
    # The sponsor's outcomes (idea's title → decision, text), written `decided_ago` days ago.
    outcomes: tuple[tuple[str, str, str], ...] = ()
    decided_ago: int = 0


CALLS = {
    "accueil": DemoCall(
        "Comment raccourcir l'attente à l'accueil ?",
        "Le lundi et le samedi, on attend plus d'une heure à l'accueil de la mairie centrale ; "
        "les usagers qui travaillent posent une demi-journée pour une démarche de cinq minutes. "
        "Toutes les pistes sont bonnes : horaires, outils, organisation, partenaires.",
        "Ce qui peut démarrer en trois mois sans embauche, et ce qui profite d'abord aux usagers "
        "qui ne peuvent pas attendre.",
        1,
        (),
        opened_ago=65,
        ideas_in=12,
        deminage_in=27,
        decision_in=40,
    ),
    "services": DemoCall(
        "Comment simplifier le travail entre services ?",
        "Les bons, les identifiants et les validations passent d'un service à l'autre sur papier "
        "ou par courriel ; chacun ressaisit ce qu'un autre a déjà saisi.",
        "Le temps rendu aux agents, et ce qu'il faudra pour généraliser.",
        0,
        ("Direction des systèmes d’information", "Direction des finances"),
        opened_ago=250,
        ideas_in=-195,
        deminage_in=-45,
        decision_in=-30,
        outcomes=(
            (
                "Dématérialiser les bons de commande de fournitures",
                "promoted",
                "Le pilote démarre au service des finances avec deux directions volontaires ; "
                "bilan au bout de six mois, avant de l'ouvrir à toutes les commandes.",
            ),
            (
                "Un seul identifiant pour tous les logiciels métier",
                "sent_back",
                "L'idée est juste, mais il manque le coût des licences et l'avis des éditeurs : "
                "chiffrez-les avec la DSI, puis revenez vers moi au prochain appel.",
            ),
        ),
        decided_ago=38,
    ),
}


# The order matters: ideas get their ids from it (tests/browser opens /ideas/1, 5, 11, 16).
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
        rule=("habit", ""),
        days_ago=300,
        mines=(
            DemoMine(
                3,
                "data_privacy",
                "major",
                "Données personnelles des demandeurs",
                "L'agenda collecte le nom, le téléphone et le motif du rendez-vous : où ces données sont-elles "
                "hébergées, et combien de temps les garde-t-on ?",
                0,
                "solution",
                "Le module de l'ANTS que nous utiliserions est hébergé en France ; les rendez-vous passés sont "
                "effacés au bout de trois mois, le réglage est dans la console d'administration.",
                "accepted",
                after=6,
                basis="text",
                basis_reference="RGPD, article 5 (limitation de la conservation)",
            ),
            DemoMine(
                5,
                "budget",
                "minor",
                "Abonnement au module de rendez-vous",
                "L'éditeur facture le module 2 400 euros par an ; la somme n'est pas prévue au budget de l'état civil.",
                1,
                "solution",
                "La ligne « modernisation de l'accueil » de la DGS couvre la première année ; la suite ira au "
                "budget primitif si le pilote tient ses promesses.",
                "accepted",
                after=4,
                basis="figures",
            ),
            DemoMine(
                7,
                "adoption",
                "major",
                "Demandeurs sans ordinateur ni smartphone",
                "Une partie des demandeurs, souvent âgés, n'a ni ordinateur ni smartphone : un agenda seulement "
                "en ligne les écarterait du guichet.",
                6,
                "precedent",
                "À Saint-Herblain, 30 % des créneaux restent donnés par téléphone et au guichet ; aucune plainte "
                "en un an. Nous pouvons faire de même.",
                "accepted_by_layer",
                after=9,
                basis="lived",
            ),
            DemoMine(
                9,
                "organisation",
                "minor",
                "Rendez-vous non honorés",
                "Sur les agendas en ligne, un rendez-vous sur cinq n'est pas honoré : les créneaux perdus "
                "rallongent l'attente des autres.",
                8,
                "precedent",
                "La commune voisine envoie un SMS la veille avec un lien d'annulation : les rendez-vous perdus "
                "sont passés de 20 % à 6 %.",
                "risk",
                after=12,
                basis="figures",
            ),
        ),
        risk_reason="On mesure les absences pendant le pilote ; au-delà de 10 %, on ajoute le rappel par SMS.",
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
        rule=("habit", ""),
        days_ago=270,
        mines=(
            DemoMine(
                5,
                "organisation",
                "major",
                "Le temps des tuteurs",
                "Un tuteur passera deux ou trois heures par mois avec son binôme : qui compense ce temps dans "
                "son propre service ?",
                7,
                "solution",
                "La charte prévoit une heure par semaine au plus pendant trois mois, inscrite dans la fiche de "
                "poste du tuteur avec l'accord écrit de son chef de service.",
                "accepted",
                after=3,
                basis="lived",
            ),
            DemoMine(
                4,
                "adoption",
                "minor",
                "Pas de volontaires dans les services en tension",
                "À l'état civil, personne n'a le temps : on ne trouvera pas de tuteurs là où les arrivées sont "
                "les plus nombreuses.",
                1,
                "precedent",
                "Au CCAS, l'appel à volontaires a réuni douze tuteurs en deux semaines, dès qu'il a été dit que "
                "l'engagement serait reconnu à l'entretien annuel.",
                "accepted_by_layer",
                after=8,
            ),
            DemoMine(
                3,
                "other",
                "minor",
                "Un guide qui vieillira vite",
                "Le guide partagé des tuteurs sera obsolète en un an si personne n'en a la charge.",
                2,
                "solution",
                "Le guide vit sur l'intranet ; chaque tuteur relit une rubrique par trimestre et la DRH relance "
                "en janvier et en juin.",
                "risk",
                after=5,
            ),
            DemoMine(
                8,
                "legal",
                "major",
                "Tuteur ou évaluateur ?",
                "Si le tuteur donne son avis sur le nouvel arrivant, il devient évaluateur : on mélange "
                "accompagnement et jugement pendant la période d'essai.",
                7,
                "expertise",
                "Les deux rôles restent séparés : la charte précise que le tuteur ne transmet aucun avis au chef "
                "de service, seul évaluateur, comme le recommande le CNFPT.",
                "accepted",
                after=10,
                basis="text",
                basis_reference="Décret n° 2014-1526 du 16 décembre 2014 relatif à l'entretien professionnel",
            ),
            DemoMine(
                9,
                "organisation",
                "major",
                "Cent vingt arrivées par an",
                "Généralisé à tous les recrutements, soit cent vingt arrivées par an, le tutorat demanderait une quarantaine de tuteurs formés : le vivier des volontaires n'y suffira pas.",
                after=7,
                scope="generalisation",
                basis="figures",
            ),
        ),
        risk_reason="Le guide sera imparfait au début ; on en fait le point au bilan du premier semestre.",
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
        rule=(
            "internal_procedure",
            "Règlement budgétaire et financier de la ville, article 14 (circuit des bons de commande)",
        ),
        days_ago=240,
        mines=(
            DemoMine(
                9,
                "legal",
                "major",
                "Qui a le droit de signer en ligne ?",
                "Seuls les agents qui ont une délégation de signature peuvent engager une dépense : le circuit "
                "en ligne doit le respecter.",
                8,
                "expertise",
                "Le logiciel financier lit les délégations de l'arrêté en vigueur : le bouton « valider » "
                "n'apparaît qu'aux délégataires, dans la limite de leur plafond.",
                "accepted",
                after=4,
                basis="text",
                basis_reference="Code général des collectivités territoriales, article L2122-19",
            ),
            DemoMine(
                3,
                "technical",
                "major",
                "Module de circuit de validation absent",
                "Le module de circuit de validation n'est pas installé chez nous, et notre version du logiciel "
                "financier date de 2019.",
                0,
                "contact",
                "Le module est compris dans la montée de version prévue en mai. Marc Durand, chef de projet chez "
                "l'éditeur, l'a déployé à Angers : je vous mets en relation.",
                "accepted_by_layer",
                after=6,
                basis="lived",
            ),
            DemoMine(
                6,
                "adoption",
                "minor",
                "Des chefs de service qui n'ouvrent pas le logiciel",
                "Certains chefs de service ne consultent jamais le logiciel financier ; les bons resteront en "
                "attente de leur signature.",
                8,
                "solution",
                "Un courriel part chaque matin avec la liste des bons en attente et le lien direct ; sans "
                "signature sous trois jours, l'adjoint est relancé.",
                "risk",
                after=7,
            ),
            DemoMine(
                2,
                "organisation",
                "minor",
                "Devis reçus sur papier",
                "Beaucoup de devis arrivent encore sur papier : il faudra les numériser pour les joindre au bon.",
                5,
                "solution",
                "Les fournisseurs de l'accord-cadre envoient déjà leurs devis en PDF ; pour les autres, le "
                "copieur du service numérise directement vers le logiciel.",
                "accepted",
                after=5,
            ),
            DemoMine(
                2,
                "legal",
                "major",
                "Les commandes passées sur un marché public",
                "Au-delà des fournitures, la plupart des commandes passent par un marché public : le bon doit citer le marché et ce qu'il reste à y engager, ce que le circuit du pilote ignore.",
                8,
                "expertise",
                "Le logiciel financier rattache déjà chaque engagement à son marché ; afficher sur le bon ce qu'il reste à engager est un réglage que l'éditeur fait à distance.",
                after=4,
                scope="generalisation",
                basis="text",
                basis_reference="Code de la commande publique, article R2122-8",
            ),
        ),
        risk_reason="Quelques retards au début sont acceptables : les relances par courriel les rattrapent.",
        call="services",
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
        rule=(
            "internal_procedure",
            "Charte informatique de la collectivité, chapitre « Comptes et accès »",
        ),
        days_ago=210,
        mines=(
            DemoMine(
                5,
                "security",
                "blocking",
                "Un mot de passe volé ouvrirait tout",
                "Avec un identifiant unique, un mot de passe volé donne accès d'un coup à tous les logiciels, "
                "la paie et l'état civil compris.",
                0,
                "resource",
                "Le guide de l'ANSSI sur l'authentification multifacteur s'applique : un second facteur est exigé "
                "pour la paie, les finances et l'état civil ; la DSI a déjà soixante clés en stock.",
                "accepted_by_layer",
                after=2,
            ),
            DemoMine(
                6,
                "technical",
                "major",
                "Le logiciel d'état civil reste à part",
                "Notre logiciel d'état civil ne sait pas déléguer son authentification : les agents de l'état "
                "civil garderont un second mot de passe.",
                0,
                "contact",
                "La version 2024 du logiciel accepte le protocole SAML et nous sera livrée en mars. Élodie Roux, "
                "à la DSI du département, a fait la bascule l'an dernier et veut bien en parler.",
                "accepted",
                after=7,
            ),
            DemoMine(
                8,
                "budget",
                "major",
                "Licences par utilisateur",
                "Les solutions du marché se paient par utilisateur et par an : pour 900 agents, la facture "
                "serait lourde.",
                0,
                "solution",
                "Une solution libre, Keycloak, installée sur nos serveurs : aucune licence, et la DSI compte "
                "vingt jours de mise en place.",
                "accepted_by_layer",
                after=5,
                basis="figures",
            ),
            DemoMine(
                2,
                "organisation",
                "minor",
                "Des départs que la DSI apprend trop tard",
                "Fermer tous les accès d'un coup suppose que la DSI connaisse les départs ; aujourd'hui, elle "
                "les découvre des semaines après.",
                7,
                "solution",
                "Le logiciel RH enverra chaque soir à l'annuaire la liste des fins de contrat : le compte se "
                "fermera le dernier jour travaillé.",
                "accepted",
                after=9,
            ),
        ),
        call="services",
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
        rule=("law", "Loi n° 94-665 du 4 août 1994 relative à l'emploi de la langue française"),
        days_ago=120,
        mines=(
            DemoMine(
                2,
                "legal",
                "major",
                "Une traduction n'a pas de valeur juridique",
                "La traduction automatique d'une décision ou d'un acte n'engage pas la commune : l'usager "
                "pourrait s'y fier à tort.",
                7,
                "expertise",
                "On sépare les deux usages : la tablette sert à l'échange oral ; les documents de référence "
                "restent en français, et leurs versions traduites portent la mention « traduction indicative ».",
                "accepted",
                after=3,
                basis="text",
                basis_reference="Loi n° 94-665 du 4 août 1994, article 1er",
            ),
            DemoMine(
                3,
                "data_privacy",
                "major",
                "Conversations envoyées sur des serveurs étrangers",
                "Les applications de traduction vocale envoient la voix des usagers sur des serveurs hors de "
                "l'Union européenne : leurs démarches y partent avec.",
                0,
                "solution",
                "Des modèles de traduction fonctionnent sur la tablette, sans connexion ; la DSI en teste un "
                "depuis septembre et pourra dire s'il suffit au guichet.",
                after=6,
            ),
            DemoMine(
                8,
                "budget",
                "minor",
                "Interprétariat par téléphone facturé à la minute",
                "Pour les langues rares, l'interprétariat par téléphone coûte environ 1,50 euro la minute : à "
                "quarante appels par mois, le budget de l'accueil n'y suffit pas.",
                after=11,
                basis="figures",
            ),
        ),
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
        rule=("habit", ""),
        days_ago=150,
        mines=(
            DemoMine(
                5,
                "legal",
                "major",
                "Travailler pour une autre direction",
                "Un agent qui passe quelques heures dans une autre direction sort de sa fiche de poste : qui "
                "est responsable s'il a un accident ?",
                2,
                "expertise",
                "C'est une mission ponctuelle au sein de la même collectivité : l'agent reste couvert, il suffit "
                "d'un ordre de mission signé des deux chefs de service.",
                "accepted",
                after=5,
            ),
            DemoMine(
                4,
                "organisation",
                "major",
                "Les plus compétents sollicités de toutes parts",
                "Ceux qui déclarent une compétence rare, l'anglais ou le graphisme, seront demandés partout, au "
                "détriment de leur propre service.",
                9,
                "solution",
                "Un plafond de deux demi-journées par mois, affiché dans l'annuaire, et l'accord du chef de "
                "service à chaque demande.",
                after=4,
            ),
            DemoMine(
                3,
                "data_privacy",
                "major",
                "Qui consulte l'annuaire ?",
                "Un annuaire qui dit qui parle arabe ou qui est secouriste contient des données personnelles : "
                "il faut dire qui le voit et pour quoi faire.",
                after=8,
            ),
        ),
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
        rule=(
            "internal_procedure",
            "Règlement intérieur de la restauration scolaire, article 9 (facturation)",
        ),
        days_ago=100,
        mines=(
            DemoMine(
                4,
                "legal",
                "major",
                "Mandats de prélèvement à recueillir",
                "Le prélèvement suppose un mandat signé par chaque famille et la gestion des rejets : la régie "
                "de la restauration scolaire ne sait pas faire.",
                5,
                "expertise",
                "La trésorerie gère déjà les prélèvements de l'eau et des loyers ; le mandat se signe en ligne "
                "sur le portail famille et la régie n'a rien à encaisser.",
                "accepted",
                after=2,
                basis="text",
                basis_reference="Règlement (UE) n° 260/2012 sur les prélèvements SEPA",
            ),
            DemoMine(
                2,
                "adoption",
                "minor",
                "Familles sans compte bancaire",
                "Quelques familles n'ont pas de compte ou craignent les découverts en fin de mois : le "
                "prélèvement ne doit pas devenir obligatoire.",
                8,
                "solution",
                "Le prélèvement reste un choix : la facture, le paiement en ligne et les espèces chez le "
                "buraliste agréé demeurent.",
                after=6,
            ),
            DemoMine(
                3,
                "technical",
                "major",
                "Pas d'export SEPA dans le logiciel de facturation",
                "Le logiciel de facturation de la restauration scolaire ne produit pas de fichier de "
                "prélèvement au format SEPA.",
                0,
                "contact",
                "Le module SEPA existe chez l'éditeur, en option à 900 euros ; Rezé l'utilise, et leur "
                "régisseur, Paul Lemaire, veut bien nous le montrer.",
                after=9,
            ),
            DemoMine(
                6,
                "data_privacy",
                "major",
                "Coordonnées bancaires des familles",
                "Le mandat recueille l'IBAN, le nom et le téléphone de chaque famille : où ces données sont-elles hébergées, qui y a accès à la régie, et combien de temps les garde-t-on après le départ de l'enfant ?",
                3,
                "solution",
                "Les mandats et les IBAN restent dans le portail famille, hébergé en France ; seuls les deux régisseurs y accèdent, et l'éditeur efface un mandat treize mois après le dernier prélèvement.",
                "accepted",
                after=4,
            ),
        ),
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
        rule=("habit", ""),
        days_ago=200,
        mines=(
            DemoMine(
                2,
                "organisation",
                "minor",
                "Des sujets qui ne tiennent pas en trente minutes",
                "Le budget ou une réorganisation demandent un vrai débat : trente minutes n'y suffiront pas.",
                1,
                "solution",
                "La réunion courte traite l'ordinaire ; un sujet lourd a son atelier à part, annoncé et préparé "
                "une semaine avant.",
                "accepted_by_layer",
                after=1,
            ),
            DemoMine(
                6,
                "adoption",
                "minor",
                "Le retour des vieilles habitudes",
                "Au bout de trois semaines, si personne ne tient le temps, les vieilles habitudes reviendront et "
                "les réunions s'allongeront comme avant.",
                5,
                "precedent",
                "Aux finances, un « gardien du temps » qui change chaque semaine et un minuteur bien visible "
                "tiennent le format depuis un an.",
                after=5,
                basis="lived",
            ),
            DemoMine(
                3,
                "other",
                "minor",
                "Un relevé de décisions noyé dans les courriels",
                "Envoyé par courriel, le relevé de décisions se perdra parmi cent autres messages.",
                after=13,
            ),
        ),
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
        rule=(
            "internal_procedure",
            "Délibération du conseil municipal du 12 décembre 2022 relative au télétravail",
        ),
        days_ago=170,
        mines=(
            DemoMine(
                3,
                "security",
                "major",
                "Connexion depuis le wifi d'une médiathèque",
                "Dans une médiathèque, l'agent se connecte au wifi public : ses échanges avec nos serveurs "
                "peuvent être interceptés.",
                0,
                "solution",
                "Les ordinateurs portables passent tous par le VPN de la collectivité, quel que soit le réseau, wifi "
                "public compris, comme c'est déjà le cas à domicile.",
                "accepted_by_layer",
                after=4,
            ),
            DemoMine(
                7,
                "legal",
                "major",
                "La délibération ne prévoit que le domicile",
                "Notre délibération sur le télétravail ne mentionne que le domicile : un autre lieu doit y "
                "être prévu avant tout essai.",
                2,
                "expertise",
                "Le décret de 2016 permet un local professionnel autre que le domicile ; il suffit de compléter "
                "la délibération au prochain conseil, j'ai préparé un projet de texte.",
                after=7,
                basis="text",
                basis_reference="Décret n° 2016-151 du 11 février 2016, article 2",
            ),
            DemoMine(
                5,
                "budget",
                "minor",
                "Les tiers-lieux associatifs sont payants",
                "Les médiathèques municipales ne coûtent rien, mais les tiers-lieux associatifs facturent la "
                "journée de poste, entre 10 et 20 euros.",
                after=10,
            ),
            DemoMine(
                8,
                "legal",
                "major",
                "Un accident à la médiathèque",
                "Si un agent se blesse en travaillant à la médiathèque, loin de sa direction et de son domicile, qui est responsable : est-ce un accident de service ?",
                7,
                "expertise",
                "Le lieu déclaré dans l'arrêté de télétravail est couvert comme le domicile : un accident pendant les heures de travail à la médiathèque est présumé imputable au service.",
                "accepted",
                after=6,
                basis="text",
                basis_reference="Code général de la fonction publique, article L822-18",
            ),
            DemoMine(
                0,
                "security",
                "major",
                "Un portable perdu, tous les dossiers exposés",
                "Un ordinateur portable professionnel perdu ou volé à la médiathèque donnerait accès à tous "
                "les dossiers de l'agent et à nos serveurs.",
                3,
                "solution",
                "Le disque des portables est chiffré et la session se verrouille au bout de cinq minutes ; un portable déclaré perdu ou volé est bloqué à distance par la DSI.",
                after=3,
            ),
        ),
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
        rule=(
            "circular",
            "Note de service du 3 mars 2019 sur le traitement des appels au standard",
        ),
        days_ago=16,
        mines=(
            DemoMine(
                9,
                "organisation",
                "major",
                "Qui répond le week-end ?",
                "Les signalements arriveront aussi le samedi et le dimanche ; sans astreinte, l'habitant "
                "attendra le lundi sans nouvelles.",
                after=5,
            ),
            DemoMine(
                4,
                "data_privacy",
                "major",
                "Photos et position des habitants",
                "Le formulaire collecte le nom, le téléphone et la position de l'habitant, et ses photos montrent parfois des passants : où ces données personnelles sont-elles hébergées, et combien de temps les garde-t-on ?",
                after=1,
                basis="text",
                basis_reference="RGPD, article 5 (limitation de la conservation)",
            ),
            DemoMine(
                6,
                "adoption",
                "minor",
                "Des habitants qui n'ont que le téléphone fixe",
                "Beaucoup d'habitants du quartier, souvent âgés, n'ont ni ordinateur ni smartphone : un signalement seulement en ligne les écarterait, ils doivent pouvoir appeler comme avant.",
                after=1,
                basis="lived",
            ),
        ),
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
        rule=(
            "decree",
            "Arrêté du maire du 2 janvier 2023 fixant les horaires d'ouverture des services au public",
        ),
        days_ago=6,
        call="accueil",
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
        days_ago=24,
        mines=(
            DemoMine(
                7,
                "legal",
                "major",
                "Un vote des agents n'engage pas la dépense",
                "L'enveloppe doit quand même passer par le budget voté en conseil municipal : qui engage la "
                "dépense une fois le vote des agents fait ?",
                8,
                "expertise",
                "On crée une ligne « projets des agents » au budget primitif ; le vote classe les projets, puis "
                "l'ordonnateur engage la dépense comme pour toute autre.",
                after=8,
            ),
        ),
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
        rule=(
            "circular",
            "Instruction générale relative à l'état civil, consultation des registres",
        ),
        days_ago=140,
        mines=(
            DemoMine(
                9,
                "legal",
                "major",
                "Une copie tirée d'un scan a-t-elle la même valeur ?",
                "Une copie intégrale établie à partir d'une image numérisée vaut-elle celle faite sur le "
                "registre original ? Sans certitude, on ne peut pas la délivrer.",
                4,
                "expertise",
                "Oui, si la numérisation suit l'instruction générale relative à l'état civil : l'image sert à "
                "établir la copie, le registre original reste la référence et n'est plus manipulé.",
                "accepted",
                after=3,
                basis="text",
                basis_reference="Instruction générale relative à l'état civil",
            ),
            DemoMine(
                5,
                "budget",
                "major",
                "Des dizaines de milliers de pages à numériser",
                "Cinquante ans de registres, ce sont des dizaines de milliers de pages : un prestataire "
                "spécialisé coûtera cher.",
                1,
                "resource",
                "Le département subventionne à 50 % la numérisation des archives communales ; le dossier est à "
                "déposer avant le 31 mars.",
                after=6,
                basis="figures",
            ),
            DemoMine(
                3,
                "technical",
                "minor",
                "Où stocker les images ?",
                "Des images de registres en haute définition pèsent lourd : nos serveurs ont-ils la place ?",
                0,
                "solution",
                "Les images de l'ensemble pèsent environ 2 To ; la baie de stockage en a 6 de libres, et une copie part "
                "chaque nuit au service d'archivage du département.",
                after=4,
            ),
            DemoMine(
                8,
                "budget",
                "major",
                "Les registres de mariage et de décès ensuite",
                "Étendue aux registres de mariage et de décès, la numérisation triplerait le nombre de pages : "
                "la subvention du département ne couvrirait plus qu'une partie de la dépense.",
                after=5,
                scope="generalisation",
                basis="figures",
            ),
        ),
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
        rule=("internal_procedure", "Règlement d'utilisation des véhicules de service, article 4"),
        days_ago=190,
        mines=(
            DemoMine(
                8,
                "legal",
                "major",
                "Un passager d'un autre service est-il assuré ?",
                "Si un agent monte dans le véhicule de service d'un collègue d'une autre direction, qui est "
                "responsable en cas d'accident, et est-il couvert ?",
                5,
                "expertise",
                "Le contrat de la flotte couvre tous les occupants d'un véhicule de service en mission, quel que "
                "soit leur service : l'ordre de mission suffit.",
                "accepted_by_layer",
                after=6,
            ),
            DemoMine(
                4,
                "organisation",
                "major",
                "Des horaires qui ne coïncident pas",
                "Deux agents qui vont à la préfecture n'y vont ni à la même heure ni pour la même durée.",
                9,
                "solution",
                "Le tableau montre les déplacements de la semaine ; on ne regroupe que ceux dont les horaires "
                "se recoupent, les autres partent seuls comme avant.",
                after=5,
            ),
            DemoMine(
                3,
                "technical",
                "major",
                "Un tableau de plus, à côté de l'outil de réservation",
                "Un tableau partagé tenu à part du logiciel de réservation des véhicules sera vite oublié.",
                after=12,
            ),
        ),
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
        rule=("habit", ""),
        days_ago=4,
        mines=(
            DemoMine(
                5,
                "adoption",
                "minor",
                "La trame oubliée dès la deuxième campagne",
                "Au bout de quelques semaines, si personne ne relance les chefs, les vieilles habitudes reviendront : ils rempliront la grille seuls, comme avant.",
                after=2,
                basis="intuition",
            ),
        ),
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
        rule=("habit", ""),
        days_ago=160,
        mines=(
            DemoMine(
                4,
                "adoption",
                "major",
                "Un délai moyen qui trompe",
                "Une moyenne cache les dossiers qui traînent : l'usager dont le dossier la dépasse se croira "
                "oublié et appellera quand même.",
                5,
                "solution",
                "On affiche le délai dans lequel neuf dossiers sur dix sont traités, plutôt que la moyenne, avec "
                "la date de la dernière mise à jour.",
                "accepted",
                after=3,
                basis="figures",
            ),
            DemoMine(
                6,
                "organisation",
                "major",
                "Des chiffres à compter à la main",
                "Nos logiciels d'urbanisme et d'état civil ne calculent pas ces délais : quelqu'un devra les "
                "compter chaque semaine.",
                3,
                "solution",
                "Les deux logiciels exportent les dates de dépôt et de décision ; un petit script en tire les "
                "délais chaque lundi matin.",
                after=8,
                basis="lived",
            ),
            DemoMine(
                2,
                "legal",
                "minor",
                "Un délai publié engage la commune",
                "Publier un délai, c'est s'engager : un usager pourra-t-il nous reprocher de l'avoir dépassé ?",
                after=6,
            ),
        ),
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
        rule=("circular", "Note de la DSI du 15 septembre 2021 sur l'usage des outils personnels"),
        days_ago=330,
        mines=(
            DemoMine(
                5,
                "budget",
                "major",
                "Héberger soi-même a un coût",
                "Héberger la messagerie nous-mêmes demande un serveur et du temps d'administration, budgétés "
                "nulle part.",
                3,
                "solution",
                "Pas de nouveau serveur à acheter : le logiciel libre retenu tourne sur une machine virtuelle "
                "existante, avec quatre jours d'installation puis une demi-journée de suivi par mois.",
                "accepted",
                after=3,
            ),
            DemoMine(
                7,
                "legal",
                "major",
                "Les messages sont des archives publiques",
                "Des échanges professionnels sont des archives publiques : il faut pouvoir les conserver et "
                "les verser au service des archives.",
                4,
                "resource",
                "Le service des archives a une fiche sur les messageries instantanées : un an de conservation, "
                "export des salons de projet, rien à garder des échanges informels.",
                "accepted_by_layer",
                after=5,
                basis="text",
                basis_reference="Code du patrimoine, article L211-4",
            ),
            DemoMine(
                4,
                "adoption",
                "major",
                "Les agents resteront sur leur messagerie habituelle",
                "Si l'outil est moins pratique que l'application du téléphone personnel, personne ne changera "
                "d'habitude.",
                2,
                "precedent",
                "Dans les ministères, Tchap a remplacé les messageries grand public en quelques mois, parce "
                "qu'elle était sur le téléphone professionnel avec l'annuaire déjà rempli.",
                "accepted",
                after=6,
            ),
            DemoMine(
                8,
                "security",
                "major",
                "Un téléphone perdu, toutes les conversations exposées",
                "Un téléphone professionnel perdu ou volé donnerait accès à toutes les conversations de l'équipe.",
                3,
                "solution",
                "Le code de verrouillage est imposé, les messages sont chiffrés sur le téléphone et la DSI "
                "efface l'application à distance.",
                "accepted_by_layer",
                after=4,
            ),
            DemoMine(
                3,
                "technical",
                "major",
                "Neuf cents comptes sur une machine virtuelle",
                "Ouverte aux 900 agents, la messagerie ne tiendra plus sur la machine virtuelle du pilote : il faudra un serveur dédié, une sauvegarde et une astreinte.",
                0,
                "solution",
                "La machine virtuelle passe à huit processeurs sans achat ; la sauvegarde de nuit de la DSI la couvre déjà, et l'astreinte existante s'étend à la messagerie.",
                "accepted",
                after=3,
                scope="generalisation",
                basis="figures",
            ),
            DemoMine(
                9,
                "adoption",
                "major",
                "Les équipes de terrain sans téléphone professionnel",
                "Les agents des espaces verts et de la voirie n'ont pas de téléphone professionnel : généralisée, la messagerie laisserait de côté ceux qui en ont le plus besoin.",
                after=2,
                scope="generalisation",
                basis="lived",
            ),
        ),
    ),
    DemoIdea(
        4,
        "ripe",
        "Livret d'accueil des usagers en facile à lire",
        "Les courriers et formulaires de la mairie sont incompréhensibles pour une partie des usagers ; "
        "les erreurs de dossier obligent à des allers-retours.",
        "Grâce à des documents réécrits selon la méthode « facile à lire et à comprendre », testés avec des usagers, "
        "les dossiers arrivent complets du premier coup.",
        "On abandonne la rédaction des courriers par les seuls juristes.",
        "Les cinq formulaires d'état civil les plus demandés.",
        "usagers, inclusion",
        rule=(
            "internal_procedure",
            "Procédure de validation des courriers types par le service juridique",
        ),
        days_ago=230,
        mines=(
            DemoMine(
                7,
                "legal",
                "major",
                "Les mentions obligatoires",
                "Certains courriers doivent citer les textes et les voies de recours : les simplifier risque de "
                "les rendre irréguliers.",
                2,
                "expertise",
                "Les mentions obligatoires restent, dans un encadré en fin de courrier ; seul le corps du texte "
                "est réécrit, comme le montre le guide de la DITP.",
                "accepted",
                after=4,
                basis="text",
                basis_reference="Code de justice administrative, article R421-5",
            ),
            DemoMine(
                5,
                "budget",
                "minor",
                "Tester avec des usagers prend du temps",
                "Réunir des usagers pour relire chaque document demande du temps, et parfois un dédommagement.",
                9,
                "solution",
                "Le centre social réunit six habitants par séance, gratuitement, en échange d'une présentation "
                "des démarches de la mairie.",
                "accepted_by_layer",
                after=6,
            ),
            DemoMine(
                3,
                "technical",
                "minor",
                "Des formulaires figés dans le logiciel",
                "Les formulaires d'état civil sortent du logiciel métier avec leur mise en page : on ne peut pas "
                "les modifier nous-mêmes.",
                0,
                "contact",
                "Les modèles du logiciel sont modifiables par l'administratrice fonctionnelle : Karine, à l'état "
                "civil, a les droits et peut le faire en une journée.",
                "accepted",
                after=5,
            ),
            DemoMine(
                1,
                "organisation",
                "minor",
                "Qui tiendra les versions à jour ?",
                "Quand la réglementation change, qui remet à jour les versions faciles à lire ?",
                6,
                "solution",
                "Chaque version facile à lire a une personne référente à l'état civil, nommée en bas de page, et la "
                "relecture entre dans le plan annuel du service.",
                "risk",
                after=8,
            ),
            DemoMine(
                8,
                "budget",
                "major",
                "Trois cents modèles de courrier",
                "Au-delà des cinq formulaires du pilote, la mairie envoie près de trois cents modèles de courrier : les réécrire tous dépasse ce que le service peut faire sans prestataire.",
                after=5,
                scope="generalisation",
                basis="figures",
            ),
        ),
        risk_reason="Le risque est faible sur cinq formulaires ; la relecture annuelle suffit au début.",
    ),
    DemoIdea(
        2,
        "progress",
        "Mentorat inversé sur les outils numériques",
        "Des cadres expérimentés maîtrisent mal les outils collaboratifs, tandis que de jeunes agents ne connaissent pas "
        "les rouages de l'administration ; chacun reste dans son coin.",
        "Grâce à des binômes où le jeune agent forme au numérique et le cadre transmet sa connaissance de la maison, "
        "les deux progressent.",
        "On abandonne l'idée que la formation descend toujours de l'ancien vers le nouveau.",
        "Dix binômes volontaires sur six mois.",
        "rh, numérique, collectif",
        rule=("habit", ""),
        days_ago=180,
        mines=(
            DemoMine(
                9,
                "adoption",
                "major",
                "Des cadres qui craignent de perdre la face",
                "Des cadres refuseront d'être formés par un agent plus jeune, de peur de montrer ce qu'ils ne "
                "savent pas.",
                7,
                "precedent",
                "À la métropole, les binômes se forment sur volontariat et sans témoin : huit cadres sur dix ont "
                "demandé à continuer après trois mois.",
                "accepted",
                after=2,
            ),
            DemoMine(
                8,
                "organisation",
                "major",
                "Une heure tous les quinze jours, pour deux agents",
                "Une heure toutes les deux semaines pendant six mois, c'est du temps pris à deux agents : qui "
                "compense ce temps dans leur propre service ?",
                1,
                "solution",
                "Ce temps compte comme de la formation : il est inscrit au plan de formation et validé en amont "
                "par les chefs de service.",
                after=7,
            ),
            DemoMine(
                3,
                "other",
                "minor",
                "Des outils qui changent chaque année",
                "Nos outils collaboratifs changent presque chaque année : ce qu'on apprend sera vite dépassé.",
                after=9,
            ),
        ),
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
        rule=("internal_procedure", "Règlement du temps de travail, annexe 2 (horaires variables)"),
        days_ago=315,
        mines=(
            DemoMine(
                0,
                "ethics",
                "blocking",
                "Les empreintes digitales des agents",
                "Relever l'empreinte des agents pour contrôler leurs horaires est disproportionné : la CNIL ne "
                "l'admet que pour des accès très sensibles.",
                7,
                "expertise",
                "Confirmé : le règlement type de la CNIL sur la biométrie au travail exclut le contrôle des "
                "horaires. Un badge sans contact ferait la même chose.",
                after=1,
                basis="text",
                basis_reference="Règlement type de la CNIL sur la biométrie sur les lieux de travail (2019)",
            ),
            DemoMine(
                2,
                "organisation",
                "major",
                "Passage obligé devant le comité social territorial",
                "Tout nouveau moyen de contrôle des horaires doit être présenté au comité social territorial, et "
                "celui-ci y sera opposé.",
                9,
                "expertise",
                "La consultation est obligatoire ; sans biométrie, un badge a de bonnes chances d'être accepté "
                "par le comité.",
                after=3,
            ),
        ),
        lesson="La biométrie au travail est quasi interdite : vérifier le cadre de la CNIL avant de chiffrer "
        "une solution. Un badge sans contact est à l'étude avec le comité social territorial.",
    ),
    DemoIdea(
        9,
        "progress",
        "Fermer l'accueil physique le mercredi",
        "L'accueil est peu fréquenté le mercredi et les agents pourraient avancer sur le traitement des dossiers.",
        "Grâce à une journée sans accueil, les dossiers en retard sont traités et les délais baissent.",
        "On abandonne l'ouverture de l'accueil tous les jours ouvrés.",
        "La mairie annexe du quartier Nord.",
        "accueil, organisation",
        rule=(
            "decree",
            "Arrêté du maire du 2 janvier 2023 fixant les horaires d'ouverture des services au public",
        ),
        days_ago=60,
        mines=(
            DemoMine(
                4,
                "legal",
                "blocking",
                "Continuité du service public",
                "Fermer l'accueil un jour par semaine rompt l'égalité d'accès pour ceux qui ne peuvent venir que "
                "ce jour-là.",
                7,
                "expertise",
                "Une fermeture reste possible si l'accueil est assuré autrement le même jour : rendez-vous "
                "téléphonique, ou accueil à la mairie centrale restée ouverte.",
                after=1,
                basis="text",
                basis_reference="Principe de continuité du service public",
            ),
            DemoMine(
                6,
                "adoption",
                "major",
                "Le mercredi, jour des familles",
                "Le mercredi, les parents viennent avec leurs enfants pour les inscriptions scolaires et les "
                "cartes d'identité : c'est moins calme qu'il n'y paraît.",
                after=2,
                basis="lived",
            ),
        ),
        call="accueil",
    ),
    DemoIdea(
        7,
        "fresh",
        "Imprimer moins grâce à des quotas par agent",
        "Le budget d'impression ne cesse de croître et beaucoup de pages partent à la poubelle sans être lues.",
        "Grâce à un quota de pages par agent, chacun réfléchit avant d'imprimer.",
        "On abandonne l'impression illimitée.",
        "Tous les services de l'hôtel de ville.",
        "environnement, finances",
        rule=("habit", ""),
        days_ago=35,
        mines=(
            DemoMine(
                2,
                "adoption",
                "major",
                "Des quotas vécus comme de la défiance",
                "Compter les pages de chacun donne le sentiment d'être surveillé ; certains imprimeront chez eux.",
                0,
                "precedent",
                "À la DSI, l'impression recto verso par défaut a fait baisser les pages de 30 % sans aucun "
                "quota : on pourrait commencer par là.",
                after=3,
                basis="lived",
            ),
            DemoMine(
                8,
                "budget",
                "minor",
                "Le comptage des pages est payant",
                "L'éditeur des copieurs facture le module de comptage par agent 1 800 euros par an, une somme qui n'est prévue dans aucun budget de service.",
                after=4,
                basis="figures",
            ),
        ),
    ),
    DemoIdea(
        3,
        "draft",
        "Chatbot pour les questions RH fréquentes",
        "Les RH répondent chaque jour aux mêmes questions sur les congés, la mutuelle et les fiches de paie.",
        days_ago=40,
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
        days_ago=18,
    ),
    DemoIdea(
        8,
        "draft",
        "Salle de repos partagée entre services",
        "Les agents déjeunent à leur bureau faute de lieu pour se poser ; on ne croise jamais les collègues des "
        "autres directions.",
        days_ago=3,
    ),
]


def _typeset(value: str) -> str:
    """French typography for the demo's texts, written plainly above: typographic apostrophes,
    a no-break space before « : » and « % », inside « » and after a number before its unit
    (« 7 h »), a narrow one before ; ! ? and between thousands (« 2 400 »)."""
    value = value.replace("'", "\u2019").replace("« ", "«\u00a0").replace(" »", "\u00a0»")
    value = value.replace(" :", "\u00a0:").replace(" %", "\u00a0%")
    for mark in ";!?":
        value = value.replace(f" {mark}", f"\u202f{mark}")
    value = re.sub(r"(\d) (?=\d{3}\b)", "\\1\u202f", value)
    return re.sub(r"(\d) (?=(h|To|euros?|ans|jours|mois|minutes|agents)\b)", "\\1\u00a0", value)


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


def _open_calls(session: Session, people: list[User], now: datetime) -> dict[str, CallForIdeas]:
    """The demo's calls, opened by the manager on the days they were (once)."""
    existing = {c.question: c for c in session.exec(select(CallForIdeas))}
    found = {}
    for key, spec in CALLS.items():
        question = _typeset(spec.question)
        if question in existing:
            found[key] = existing[question]
            continue
        opened = now - timedelta(days=spec.opened_ago)
        today = now.date()
        data = CallInput(
            question=question,
            context=_typeset(spec.context),
            criteria=_typeset(spec.criteria),
            sponsor_email=people[spec.sponsor].email,
            audience="units" if spec.units else "everyone",
            units=[users.get_or_create_unit(session, u).id for u in spec.units],
            ideas_until=today + timedelta(days=spec.ideas_in),
            deminage_until=today + timedelta(days=spec.deminage_in),
            decision_by=today + timedelta(days=spec.decision_in),
        )
        call = calls.open_call(session, people[1], data, opened)
        # Its audience heard of it when it opened (the demo mails nobody).
        call.announced_at = opened
        if spec.ideas_in < 0:
            call.reminded_at = opened
        found[key] = call
    return found


def _decide_calls(
    session: Session,
    settings: Settings,
    people: list[User],
    found: dict[str, CallForIdeas],
    now: datetime,
) -> None:
    """The sponsors' outcomes of the calls already decided."""
    params = scoring.scoring_params(session, settings)
    for key, spec in CALLS.items():
        call = found[key]
        if not spec.outcomes or call.decided_at is not None:
            continue
        at = now - timedelta(days=spec.decided_ago)
        by_title = {i.title: i for i in session.exec(select(Idea).where(Idea.call_id == call.id))}
        form = {}
        for title, decision, text in spec.outcomes:
            idea = by_title[_typeset(title)]
            if idea.last_activity_at >= at:
                raise RuntimeError(f"demo call {key!r}: decided before {title!r} was done")
            form[f"decision_{idea.id}"] = decision
            form[f"text_{idea.id}"] = _typeset(text)
        call_outcomes.decide(session, params, people[spec.sponsor], call, form, at)


def _play(
    session: Session,
    settings: Settings,
    people: list[User],
    spec: DemoIdea,
    index: int,
    now: datetime,
    found: dict[str, CallForIdeas],
) -> None:
    """Write, publish and live through one idea's story, on the dates it would have happened."""
    params = scoring.scoring_params(session, settings)
    rng = random.Random(index)  # noqa: S311  # nosec B311
    author = people[spec.author]
    t = now - timedelta(days=spec.days_ago, hours=rng.randint(0, 6))
    data = IdeaCreate(
        title=_typeset(spec.title),
        problem=_typeset(spec.problem),
        solution=_typeset(spec.solution),
        broken_rule=_typeset(spec.broken_rule),
        rule_kind=spec.rule[0],
        rule_reference=_typeset(spec.rule[1]),
        first_ground=_typeset(spec.first_ground),
        themes=spec.themes,
        call_id=found[spec.call].id if spec.call else None,
    )
    idea = ideas.create_draft(session, params, author, data, t)
    if spec.stage == "draft":
        return
    t += timedelta(hours=rng.randint(2, 30))
    ideas.publish(session, params, author, idea, t)
    for m in spec.mines:
        t += timedelta(days=m.after, hours=rng.randint(1, 8))
        layer = people[m.layer]
        mine = mines.lay_mine(
            session,
            params,
            layer,
            idea,
            MineCreate(
                category=m.category,
                severity=m.severity,
                title=_typeset(m.title),
                body=_typeset(m.body),
                scope=m.scope,
                basis=m.basis,
                basis_reference=_typeset(m.basis_reference),
            ),
            t,
        )
        if m.helper is None:
            continue
        helper = people[m.helper]
        t += timedelta(hours=rng.randint(3, 40))
        deminage = mines.bring_deminage(
            session,
            params,
            helper,
            mine,
            idea,
            DeminageCreate(kind=m.kind, body=_typeset(m.answer)),
            t,
        )
        t += timedelta(hours=rng.randint(2, 48))
        if m.outcome in ("accepted", "accepted_by_layer"):
            accepter = layer if m.outcome == "accepted_by_layer" else author
            mines.accept_deminage(session, params, accepter, deminage, mine, idea, t)
        elif m.outcome == "risk":
            mines.accept_risk(session, params, author, mine, idea, _typeset(spec.risk_reason), t)
        if helper.id != author.id and rng.random() < 0.6:
            mines.toggle_helpful(session, layer, deminage)
    if spec.stage == "project":
        t += timedelta(days=6)
        decision = PromoteInput(
            sponsor="Karim Benali, directeur général des services",
            next_step=_typeset(
                "Ouvrir la messagerie aux quarante agents du premier terrain, puis en faire le bilan "
                "avec eux à trois mois."
            ),
            target_date=(t + timedelta(days=180)).date(),
            reason=_typeset(
                "Arbitrage du comité de direction : le pilote tient dans le budget de la DSI."
            ),
            outcome=_typeset(
                "Retenue par le comité de direction : un pilote de six mois avec les quarante "
                "agents du premier terrain. Merci à toutes celles et ceux qui ont posé des mines "
                "et apporté des déminages : les mines de généralisation deviennent la liste de "
                "contrôle du projet."
            ),
        )
        ideas.promote(session, params, people[1], idea, decision, t)
        # Its follow-up: the porteur, then the sponsor, post its first milestones.
        for days, poster, kind, text_ in (
            (
                30,
                author,
                "first_ground",
                "La messagerie est ouverte aux quarante agents du pilote.",
            ),
            (
                60,
                people[1],
                "first_results",
                "Plus aucun échange d'équipe sur les messageries personnelles au bout d'un mois.",
            ),
        ):
            t += timedelta(days=days)
            step = MilestoneInput(kind=kind, text=_typeset(text_))
            outcomes.post_milestone(session, params, poster, idea, step, t)
    if spec.stage == "abandoned":
        t += timedelta(days=5)
        ideas.abandon(session, params, author, idea, _typeset(spec.lesson), t)
    if t >= now:
        raise RuntimeError(
            f"demo idea {spec.title!r}: its story ends after now"
        )  # pragma: no cover


def seed_demo(
    session: Session, settings: Settings, now: datetime
) -> list[tuple[str, str, str, str]]:
    """Load the demo accounts and ideas; running it again adds nothing."""
    people = _ensure_people(session)
    first_message = session.exec(select(func.max(OutboxMessage.id))).one() or 0
    found = _open_calls(session, people, now)
    existing = {(i.author_id, i.title) for i in session.exec(select(Idea))}
    for index, spec in enumerate(IDEAS):
        if (people[spec.author].id, _typeset(spec.title)) not in existing:
            _play(session, settings, people, spec, index, now, found)
    _decide_calls(session, settings, people, found, now)
    session.flush()
    # The demo's story happened in the past: nobody is mailed about it.
    session.execute(delete(OutboxMessage).where(col(OutboxMessage.id) > first_message))
    session.execute(
        update(Notification).where(col(Notification.mailed_at).is_(None)).values(mailed_at=now)
    )
    return [(email, name, str(role), unit) for email, name, unit, role in PEOPLE]
