"""The `demineurs` command line: migrate, serve, seed-demo, create-user, create-token…"""

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from app import formatting
from app.config import describe_invalid, get_settings
from app.db import check_migrations, make_engine, migrate, session_scope
from app.errors import InvalidInput
from app.models.base import pk, utcnow


@contextmanager
def command_engine() -> Iterator[Engine]:
    """The command's engine, on a base whose migrations are all applied."""
    settings = get_settings()
    engine = make_engine(settings)
    try:
        try:
            check_migrations(engine, settings.database_url)
        except RuntimeError as exc:
            sys.exit(str(exc))
        yield engine
    finally:
        engine.dispose()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """The command's one unit of work, like a request's: it commits once, at the end, or
    rolls back on any error or exit (a command does all it was asked, or nothing)."""
    with command_engine() as engine, session_scope(engine, write=True) as session:
        yield session


def cmd_migrate(args: argparse.Namespace) -> None:
    from app.services import search

    settings = get_settings()
    migrate(settings)
    with unit_of_work() as session:
        indexed = search.rebuild_if_empty(session)
    if indexed:
        print(f"Index de recherche construit ({indexed} documents).")
    print(f"Base de données à jour ({settings.database_url.split('@')[-1]}).")


def cmd_reindex(args: argparse.Namespace) -> None:
    from app.services import blockers, search

    with unit_of_work() as session:
        count = search.rebuild(session)
        blockers.rebuild(session)
    print(
        f"Index de recherche reconstruit\u00a0: {count} documents\u202f; «\u00a0Ce qui "
        "bloque\u00a0» recompté."
    )


def cmd_send_outbox(args: argparse.Namespace) -> None:
    from app.mail import deliver_pending

    settings = get_settings()
    sent, failed = deliver_pending(make_engine(settings), settings)
    print(
        f"E-mails envoyés\u00a0: {sent}\u202f; en échec, réessayés au prochain passage\u00a0: "
        f"{failed}."
    )
    if failed:
        sys.exit(1)


def cmd_send_digest(args: argparse.Namespace) -> None:
    from app.mail import deliver_pending
    from app.services import calls, notifications, ripening

    settings = get_settings()
    mailer = notifications.Mailer.from_settings(settings)
    with unit_of_work() as session:
        # The calls' notices first: those sent by digest go out in today's.
        announced, reminded = calls.send_notices(session, mailer, args.now)
        ripe = ripening.announce_due(session, args.now)  # the digest tells of them too
        count = notifications.build_digests(session, mailer, args.now)
    sent, failed = deliver_pending(make_engine(settings), settings)
    print(
        f"Appels à idées annoncés\u00a0: {announced}\u202f; rappelés\u00a0: {reminded}. "
        f"Idées devenues mûres annoncées\u00a0: {ripe}\u202f; résumés préparés\u00a0: {count}"
        f"\u202f; e-mails envoyés\u00a0: {sent}\u202f; en échec\u00a0: {failed}."
    )
    if failed:
        sys.exit(1)


def cmd_announce_ripe(args: argparse.Namespace) -> None:
    from app.mail import deliver_pending
    from app.services import ripening

    settings = get_settings()
    with unit_of_work() as session:
        count = ripening.announce_due(session, args.now)
    sent, failed = deliver_pending(make_engine(settings), settings)
    print(
        f"Idées devenues mûres annoncées\u00a0: {count}\u202f; e-mails envoyés\u00a0: {sent}"
        f"\u202f; en échec\u00a0: {failed}."
    )
    if failed:
        sys.exit(1)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from app.server import TimedHTTPProtocol

    settings = get_settings()
    try:
        settings.check_production_safety()
        check_migrations(make_engine(settings), settings.database_url)
    except RuntimeError as exc:
        sys.exit(str(exc))
    if "base_url" not in settings.model_fields_set:
        # Links in e-mails and invitations point where this server answers, unless
        # DEMINEURS_BASE_URL says otherwise (as it must behind a proxy).
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104  # nosec B104
        os.environ["DEMINEURS_BASE_URL"] = f"http://{host}:{args.port}"
        get_settings.cache_clear()
    print(f"Les démineurs\u00a0: http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,  # app.main configures logging (JSON lines with the request id)
        # On SIGTERM: stop accepting, finish the requests in flight (up to this many seconds).
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        # Served directly, with no proxy in front to bound them (see docs/deployment.md):
        http=TimedHTTPProtocol,  # a deadline for every request's head (slow or silent clients)
        timeout_keep_alive=settings.http_keep_alive_seconds,
        limit_concurrency=settings.http_max_connections,
        h11_max_incomplete_event_size=settings.http_max_head_bytes,
        backlog=256,
    )


def cmd_purge_drafts(args: argparse.Namespace) -> None:
    from app.mail import deliver_pending
    from app.services import notifications, rate_limits, retention

    settings = get_settings()
    with unit_of_work() as session:
        told, deleted = retention.purge_stale_drafts(
            session, settings, notifications.Mailer.from_settings(settings), args.now
        )
        rate_limits.forget_expired(session, settings, args.now)  # addresses past their window
        retention.forget_spent(session, args.now)  # expired sessions, e-mails sent long ago
    deliver_pending(make_engine(settings), settings)
    print(
        "Brouillons signalés aux personnes qui les ont écrits\u00a0: "
        f"{told}\u202f; supprimés\u00a0: {deleted}."
    )


def cmd_backup(args: argparse.Namespace) -> None:
    from pathlib import Path

    from app.db import backup_sqlite

    settings = get_settings()
    if not settings.is_sqlite:
        sys.exit(
            "Sur PostgreSQL, sauvegardez avec pg_dump (voir docs/deploy.md)\u00a0: "
            'pg_dump --format=custom --file=demineurs.dump "$DATABASE_URL"'
        )
    destination = Path(args.destination)
    pages = backup_sqlite(settings.database_url, destination)
    print(f"Sauvegarde cohérente écrite dans {destination} ({pages} pages, intégrité vérifiée).")


def cmd_seed_demo(args: argparse.Namespace) -> None:
    from app.demo import DEMO_PASSWORD, seed_demo

    settings = get_settings()
    with unit_of_work() as session:
        accounts = seed_demo(session, settings, args.now)
    print(
        "Données de démonstration prêtes. Comptes (mot de passe commun\u00a0: "
        f"{DEMO_PASSWORD})\u00a0:"
    )
    for email, name, role, unit in accounts:
        print(f"  {email:<36} {role:<8} {name} — {unit}")


def cmd_create_user(args: argparse.Namespace) -> None:
    from app.services import users

    with unit_of_work() as session:
        try:
            user = users.create_user(
                session,
                email=args.email,
                name=args.name,
                unit=args.unit,
                role=args.role,
                password=args.password,
            )
        except InvalidInput as exc:
            sys.exit(
                "\n".join(f"{field}\u00a0: {message}" for field, message in exc.errors.items())
            )
    print(f"Compte créé\u00a0: {user.email} ({user.role}).")


def cmd_update_user(args: argparse.Namespace) -> None:
    from app.services import users

    with unit_of_work() as session:
        user = users.get_by_email(session, args.email)
        if user is None:
            sys.exit(f"Aucun compte pour {args.email}.")
        unit = users.unit_of(session, user)
        try:
            users.update_account(
                session,
                user,
                role=args.role or user.role,
                unit=args.unit or (unit.name if unit else "Sans service"),
                active=user.is_active if args.active is None else args.active == "yes",
                now=args.now,
            )
        except InvalidInput as exc:
            sys.exit(
                "\n".join(f"{field}\u00a0: {message}" for field, message in exc.errors.items())
            )
    print(f"Compte mis à jour\u00a0: {user.email} ({user.role}).")


def cmd_create_token(args: argparse.Namespace) -> None:
    from app.services import api_tokens, users

    with unit_of_work() as session:
        user = users.get_by_email(session, args.email)
        if user is None:
            sys.exit(f"Aucun compte pour {args.email}.")
        try:
            _, token = api_tokens.create_api_token(session, user, args.name)
        except InvalidInput as exc:
            sys.exit(f"--name\u00a0: {exc.message}")
    print(f"Jeton créé pour {user.email} (affiché une seule fois)\u00a0:")
    print(token)


def cmd_recompute(args: argparse.Namespace) -> None:
    """Recompute every score as the admin page's change does (app/rescore.py): by batches,
    each committed on its own so that the app's writes get in between two batches, resumed
    where an interrupted run stopped."""
    from app import rescore
    from app.mail import deliver_pending
    from app.models import RescoreJob
    from app.services import scoring

    settings = get_settings()
    worker = rescore.worker_name()

    def show(job: RescoreJob) -> None:
        done, total = formatting.number(job.done), formatting.number(job.total)
        print(f"\r{done}/{total} idées recalculées", end="", flush=True)

    with command_engine() as engine:
        with session_scope(engine, write=True) as session:
            params = scoring.scoring_params(session, settings)
            job = scoring.rescore_everything(session, params, args.now)
            job_id = pk(job)
            scoring.claim_rescore(session, worker, args.now)
        if job.done:
            done = formatting.plural(job.done, "idée déjà recalculée", "idées déjà recalculées")
            print(
                f"Reprise du recalcul interrompu\u00a0: {done} sur {formatting.number(job.total)}."
            )
        started = time.perf_counter()
        followed = False
        mail: list[bool] = []  # ideas that ripened or stopped being ripe were told
        try:
            while True:
                rescore.run_pending(
                    engine,
                    worker,
                    args.clock,
                    batch=args.batch_size,
                    settings=settings,
                    on_mail=lambda: mail.append(True),
                    progress=show,
                )
                with session_scope(engine) as session:
                    job = session.get(RescoreJob, job_id) or job
                if job.finished_at is not None:
                    break
                # Another process holds the job (the app's background worker): follow it until
                # it is done, or take it over once that process stops renewing its claim.
                if not followed:
                    print(
                        "Un autre processus mène ce recalcul\u00a0; la commande suit sa "
                        "progression."
                    )
                    followed = True
                show(job)
                time.sleep(1)
        except KeyboardInterrupt:
            with session_scope(engine, write=True) as session:
                scoring.release_rescore(session, job_id, worker)
            sys.exit(
                "\nInterrompu\u00a0: relancez «\u00a0demineurs recompute-scores\u00a0» pour "
                "reprendre après le dernier lot enregistré."
            )
        elapsed = formatting.seconds(time.perf_counter() - started)
        if job.superseded:
            print(
                "\rLes paramètres du score ont changé pendant le recalcul\u00a0: le recalcul "
                "avec les nouveaux a pris le relais."
            )
        else:
            print(
                f"\r{formatting.plural(job.done, 'idée recalculée', 'idées recalculées')} "
                f"en {elapsed}."
            )
        sent, failed = deliver_pending(engine, settings) if mail else (0, 0)
    if mail:
        print(f"E-mails envoyés\u00a0: {sent}\u202f; en échec\u00a0: {failed}.")
    if failed:
        sys.exit(1)


def batch_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise argparse.ArgumentTypeError("un nombre entier d’idées, au moins 1")
    return size


def build_parser() -> argparse.ArgumentParser:
    from app.services.scoring import RESCORE_BATCH

    parser = argparse.ArgumentParser(prog="demineurs", description="Les démineurs")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="mettre la base à jour").set_defaults(func=cmd_migrate)
    serve = sub.add_parser("serve", help="servir l’application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)
    sub.add_parser(
        "purge-drafts", help="supprimer les brouillons abandonnés (après un avertissement)"
    ).set_defaults(func=cmd_purge_drafts)
    backup = sub.add_parser("backup", help="sauvegarder la base SQLite à chaud")
    backup.add_argument("destination", help="fichier de la copie")
    backup.set_defaults(func=cmd_backup)
    sub.add_parser("seed-demo", help="charger les données de démonstration").set_defaults(
        func=cmd_seed_demo
    )
    create_user = sub.add_parser("create-user", help="créer un compte")
    create_user.add_argument("--email", required=True)
    create_user.add_argument("--name", required=True)
    create_user.add_argument("--unit", required=True)
    create_user.add_argument("--role", choices=["agent", "manager", "admin"], default="agent")
    create_user.add_argument("--password")
    create_user.set_defaults(func=cmd_create_user)
    update_user = sub.add_parser(
        "update-user", help="changer le rôle, le service ou l’état d’un compte"
    )
    update_user.add_argument("--email", required=True)
    update_user.add_argument("--role", choices=["agent", "manager", "admin"])
    update_user.add_argument("--unit")
    update_user.add_argument("--active", choices=["yes", "no"])
    update_user.set_defaults(func=cmd_update_user)
    token = sub.add_parser("create-token", help="créer un jeton d’API personnel")
    token.add_argument("--email", required=True)
    token.add_argument("--name", default="Jeton créé en ligne de commande")
    token.set_defaults(func=cmd_create_token)
    recompute = sub.add_parser(
        "recompute-scores",
        help="recalculer tous les scores, par lots (l’application reste utilisable)",
    )
    recompute.add_argument(
        "--batch-size",
        type=batch_size,
        default=RESCORE_BATCH,
        help=f"idées par lot, chacun enregistré à part ({RESCORE_BATCH} par défaut)",
    )
    recompute.set_defaults(func=cmd_recompute)
    sub.add_parser("reindex", help="reconstruire l’index de recherche").set_defaults(
        func=cmd_reindex
    )
    sub.add_parser("send-outbox", help="envoyer les e-mails en attente").set_defaults(
        func=cmd_send_outbox
    )
    sub.add_parser(
        "send-digest",
        help=(
            "annoncer les appels à idées, envoyer le résumé quotidien "
            "(pour cron\u202f; sans doublon)"
        ),
    ).set_defaults(func=cmd_send_digest)
    sub.add_parser(
        "announce-ripe",
        help="annoncer les idées devenues mûres avec le temps (pour cron\u202f; une fois chacune)",
    ).set_defaults(func=cmd_announce_ripe)
    return parser


def main(argv: list[str] | None = None, clock: Callable[[], datetime] = utcnow) -> None:
    """Run one command; `clock` gives its time (read once: the command's `now`, as a request
    has its own; a recomputation reads it again for each batch, as the background worker)."""
    args = build_parser().parse_args(argv)
    args.now = clock()
    args.clock = clock
    try:
        get_settings()  # a bad setting: one line naming it, no traceback
    except ValidationError as exc:
        sys.exit(describe_invalid(exc))
    args.func(args)


if __name__ == "__main__":
    main()
