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
#: Command-line arguments that are not settings.
COMMAND_ARGUMENTS = {"command", "verbose", "facts_file", "text_file", "id", "out", "language", "dev", "force", "full"}


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
    build.add_argument("--verbose", action="store_true", help="print each warning, not only their count by rule")
    build.add_argument("--force", action="store_true",
                       help="publish a new release even when the current one was built from the same inputs")
    build.add_argument("--full", action="store_true",
                       help="map and validate every article and load the store from scratch, reusing nothing of the "
                            "current release (implies --force)")
    prune = commands.add_parser("prune", help="remove old releases, keeping the newest (never 'current' nor the one before)")
    prune.add_argument("--releases-dir", help="folder of releases (default: ./releases)")
    prune.add_argument("--keep", type=int, dest="keep_releases", help="how many releases to keep (default: keep_releases)")
    validate = commands.add_parser("validate", help="run every check without publishing")
    _settings_arguments(validate)
    validate.add_argument("--verbose", action="store_true", help="print each warning, not only their count by rule")
    _authoring_commands(commands)
    serve = commands.add_parser("serve", help="serve the current release (building one first if there is none)")
    _settings_arguments(serve)
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--workers", type=int, help="web worker processes (default 2)")
    serve.add_argument("--dev", action="store_true",
                       help="Werkzeug's development server instead of granian: one process, reloads on code changes")
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
    overrides = {k: v for k, v in vars(args).items() if k not in COMMAND_ARGUMENTS}
    try:
        settings = Settings.load(overrides)
        if args.command == "build":
            return _build(settings, args.verbose, force=args.force or args.full, full=args.full)
        if args.command == "prune":
            return _prune(settings)
        if args.command == "validate":
            return _validate(settings, args.verbose)
        if args.command == "fix":
            return _fix(settings, args.facts_file)
        if args.command == "draft":
            return _draft(settings, args)
        return _serve(settings, args.dev)
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


def _report_warnings(warnings, verbose: bool) -> None:
    """The number of warnings of each rule, most frequent first; each warning too when verbose."""
    if verbose:
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
    by_rule: dict[str, int] = {}
    for warning in warnings:
        by_rule[warning.rule] = by_rule.get(warning.rule, 0) + 1
    if by_rule:
        print("warnings by rule:" if verbose else "warnings by rule (--verbose prints each):", file=sys.stderr)
        for rule, count in sorted(by_rule.items(), key=lambda item: (-item[1], item[0])):
            print(f"  {count:5d}  [{rule}]", file=sys.stderr)


def _build(settings: Settings, verbose: bool = False, force: bool = False, full: bool = False) -> int:
    from .build import build, check
    from .release import current_release

    checked = check(settings, full=full)
    before = current_release(settings.releases_dir)
    release = build(settings, checked, force=force)
    manifest = release.manifest()
    if before is not None and release.path == before.path:
        print(f"unchanged: the current release {release.version} was built from the same inputs; nothing was "
              "published (use --force to publish anyway)")
        return EXIT_OK
    _report_grounding(_grounding_from(manifest))
    _report_warnings(checked.validation.warnings, verbose)
    print(_rebuilt_summary(manifest["rebuilt"], len(manifest["articles"])))
    print(f"built release {release.version}: {manifest['triples']} triples, "
          f"{manifest['validation']['warnings']} warning(s), in {release.path}")
    return EXIT_OK


def _rebuilt_summary(rebuilt: dict, articles: int) -> str:
    """One line: what the build mapped and validated again, and why."""
    if rebuilt["full"]:
        return f"full build ({rebuilt['full']}): {articles} article(s) mapped and validated"
    by_reason: dict[str, int] = {}
    for reason in rebuilt["articles"].values():
        by_reason[reason] = by_reason.get(reason, 0) + 1
    changes = ", ".join(f"{n} {reason}" for reason, n in sorted(by_reason.items())) or "no article changed"
    revalidated = f", {len(rebuilt['revalidated'])} validated again" if rebuilt["revalidated"] else ""
    return f"incremental build from {rebuilt['from']}: {changes}{revalidated}; {rebuilt['reused']} article(s) reused"


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


def _validate(settings: Settings, verbose: bool = False) -> int:
    from .build import check
    from .facts import draft_problems

    checked = check(settings, allow_drafts=True)
    _report_grounding(checked.grounding)
    _report_warnings(checked.validation.warnings, verbose)
    for problem in draft_problems(checked.files):
        print(f"note: {problem}", file=sys.stderr)
    print(f"valid: {len(checked.files)} article(s), {len(checked.all_quads())} quads, "
          f"{len(checked.validation.warnings)} warning(s)")
    return EXIT_OK


def _authoring_commands(commands) -> None:
    fix = commands.add_parser("fix", help="write each quote's offsets, prefix and suffix into a facts file")
    fix.add_argument("facts_file", metavar="FACTS_FILE", help="the facts file to complete (changed in place)")
    fix.add_argument("--sources-dir", help="folder of article source texts (default: ../shared/sources if present)")
    draft = commands.add_parser("draft", help="write a facts file to start from, from an article's text")
    draft.add_argument("text_file", metavar="TEXT_FILE", help="the article's text (UTF-8), as stored in the sources folder")
    draft.add_argument("--id", required=True, help="the new article's id, a lowercase slug like 'harbour-seizure'")
    draft.add_argument("--out", help="file to write (default: standard output); never overwritten")
    draft.add_argument("--language", default="en", help="language of the text, a BCP 47 tag (default: en)")
    _settings_arguments(draft)


def _fix(settings: Settings, facts_file: str) -> int:
    from pathlib import Path

    from .fixing import fix_file

    path = Path(facts_file)
    if not path.is_file():
        print(f"newsfacts: {facts_file} is not a file", file=sys.stderr)
        return EXIT_ERROR
    outcome = fix_file(path, settings.sources_dir, settings.max_source_text_bytes)
    for problem in outcome.problems:
        print(problem, file=sys.stderr)
    print(f"fixed {outcome.fixed} evidence item(s) in {path}" if outcome.fixed else f"nothing to fix in {path}")
    if outcome.problems:
        print(f"newsfacts: {len(outcome.problems)} problem(s) left in {path}", file=sys.stderr)
        return EXIT_DOES_NOT_CONFORM
    return EXIT_OK


def _draft(settings: Settings, args) -> int:
    from pathlib import Path

    from .drafting import DraftError, draft

    try:
        text = draft(Path(args.text_file), args.id, settings, language=args.language)
    except DraftError as exc:
        print(f"newsfacts: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if not args.out:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        with open(args.out, "x", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        print(f"newsfacts: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote the draft of {args.id} to {args.out}: complete it, then `newsfacts validate`", file=sys.stderr)
    return EXIT_OK


def _serve(settings: Settings, development: bool) -> int:
    from .release import current_release

    if settings.store == "embedded" and current_release(settings.releases_dir) is None:
        print("newsfacts: no release yet; building the shipped facts first", file=sys.stderr)
        status = _build(settings)
        if status != EXIT_OK:
            return status
    from .web.serving import run_development_server, run_production_server

    if development:
        run_development_server(settings)
    else:
        run_production_server(settings)  # replaces this process with granian
    return EXIT_OK


def _grounding_from(manifest: dict):
    from .grounding import GroundingResult

    return [GroundingResult(**g) for g in manifest.get("grounding", [])]


if __name__ == "__main__":
    sys.exit(main())
