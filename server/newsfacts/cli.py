"""The `newsfacts` command.

Exit codes: 0 success (also a build that finds the current release built from
the same inputs, and so publishes nothing); 1 the data does not conform (one line per problem:
file, where, rule, message); 2 usage or runtime error.
"""

from __future__ import annotations

import argparse
import sys

from .config import Settings
from .problems import BuildFailed, DataDoesNotConform

EXIT_OK, EXIT_DOES_NOT_CONFORM, EXIT_ERROR = 0, 1, 2


def _settings_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--facts-dir", help="folder of facts files (default: the shipped facts)")
    parser.add_argument("--sources-dir", help="folder of article source texts for the evidence checks")
    parser.add_argument("--releases-dir", help="folder of releases (default: ./releases)")
    parser.add_argument("--base-iri", help="canonical base IRI of minted IRIs")
    parser.add_argument("--store", help="'embedded' (default) or the SPARQL query endpoint URL of a remote store")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newsfacts", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="check the facts and publish a new release")
    _settings_arguments(build)
    build.add_argument("--force", action="store_true",
                       help="publish a new release even when the current one was built from the same inputs")
    prune = commands.add_parser("prune", help="remove old releases, keeping the newest (never 'current' nor the one before)")
    prune.add_argument("--releases-dir", help="folder of releases (default: ./releases)")
    prune.add_argument("--keep", type=int, dest="keep_releases", help="how many releases to keep (default: keep_releases)")
    validate = commands.add_parser("validate", help="run every check without publishing")
    _settings_arguments(validate)
    serve = commands.add_parser("serve", help="serve the current release (building one first if there is none)")
    _settings_arguments(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    generate = commands.add_parser("generate", help="write synthetic articles (facts and texts) for scale tests")
    generate.add_argument("--articles", type=int, required=True, help="how many articles")
    generate.add_argument("--claims", type=int, default=10, help="claims per article (default 10)")
    generate.add_argument("--out", required=True, help="folder to write facts/ and sources/ into")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "generate":
        from pathlib import Path

        from .synthetic import generate

        out = generate(Path(args.out), args.articles, args.claims)
        print(f"wrote {args.articles} synthetic articles to {out}/facts and {out}/sources")
        return EXIT_OK
    overrides = {k: v for k, v in vars(args).items() if k not in ("command", "force")}
    try:
        settings = Settings.load(overrides)
        if args.command == "build":
            return _build(settings, force=args.force)
        if args.command == "prune":
            return _prune(settings)
        if args.command == "validate":
            return _validate(settings)
        return _serve(settings)
    except DataDoesNotConform as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"newsfacts: {len(exc.problems)} problem(s); nothing was published", file=sys.stderr)
        return EXIT_DOES_NOT_CONFORM
    except (BuildFailed, ValueError) as exc:
        print(f"newsfacts: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except MemoryError:
        print("newsfacts: ran out of memory; nothing was published (are the inputs within the size settings?)",
              file=sys.stderr)
        return EXIT_ERROR
    except RecursionError:
        print("newsfacts: an input is nested too deeply to process; nothing was published", file=sys.stderr)
        return EXIT_ERROR


def _report_grounding(grounding) -> None:
    for result in grounding:
        if result.status != "checked":
            print(f"newsfacts: evidence of {result.article} not checked against its text ({result.status})", file=sys.stderr)


def _build(settings: Settings, force: bool = False) -> int:
    from .build import build
    from .release import current_release

    before = current_release(settings.releases_dir)
    release = build(settings, force=force)
    manifest = release.manifest()
    if before is not None and release.path == before.path:
        print(f"unchanged: the current release {release.version} was built from the same inputs; nothing was "
              "published (use --force to publish anyway)")
        return EXIT_OK
    _report_grounding(_grounding_from(manifest))
    print(f"built release {release.version}: {manifest['triples']} triples, "
          f"{manifest['validation']['warnings']} warning(s), in {release.path}")
    return EXIT_OK


def _prune(settings: Settings) -> int:
    from .release import prune_releases, remove_stale_staging

    if settings.keep_releases < 1:
        print("newsfacts: --keep must be at least 1 ('current' is always kept)", file=sys.stderr)
        return EXIT_ERROR
    removed = remove_stale_staging(settings.releases_dir) + prune_releases(settings.releases_dir, settings.keep_releases)
    for path in removed:
        print(f"removed {path}")
    print(f"pruned {len(removed)} folder(s); keeping at most {settings.keep_releases} release(s) in {settings.releases_dir}")
    return EXIT_OK


def _validate(settings: Settings) -> int:
    from .build import check

    checked = check(settings)
    _report_grounding(checked.grounding)
    for warning in checked.validation.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"valid: {len(checked.files)} article(s), {len(checked.quads)} quads, "
          f"{len(checked.validation.warnings)} warning(s)")
    return EXIT_OK


def _serve(settings: Settings) -> int:
    from .release import current_release

    if settings.store == "embedded" and current_release(settings.releases_dir) is None:
        print("newsfacts: no release yet; building the shipped facts first", file=sys.stderr)
        status = _build(settings)
        if status != EXIT_OK:
            return status
    from .web.app import run_development_server

    run_development_server(settings)
    return EXIT_OK


def _grounding_from(manifest: dict):
    from .grounding import GroundingResult

    return [GroundingResult(**g) for g in manifest.get("grounding", [])]


if __name__ == "__main__":
    sys.exit(main())
