"""The golden evaluation of issue 13: every real document, every converter's text of the real
PDFs and every broken-structure variant, parsed and scored; a line per case and totals per half.

    .venv/bin/python bench/accuracy.py [--half dev|evaluation] [--silent]

Columns: fields (expected), exact (and %), flagged (table cells wrong but named by a warning or
a failed check), silent (table cells wrong with nothing naming them), other (title, agency,
year, format or published_on not exact), and the refusal when the parser refused the input.
--silent lists each case's silently wrong cells. Acceptance (issue 13): per half >= 99.5% exact
and 0 silent (tests/parsing/test_golden_evaluation.py). The EVALUATION half is never tuned on.
"""

from __future__ import annotations

import argparse

from nianbao.evaluation import DEV, EVALUATION, all_cases, score_case, totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=(DEV, EVALUATION), help="score one half only")
    parser.add_argument("--silent", action="store_true", help="list each case's silently wrong cells")
    args = parser.parse_args()
    cases = [c for c in all_cases() if args.half in (None, c.half)]
    scores = [score_case(case) for case in cases]
    width = max(len(s.case) for s in scores)
    print(f"{'case':<{width}}  {'half':<10} {'fields':>6} {'exact':>6} {'exact%':>7} {'flagged':>7} {'silent':>6} {'other':>5}")
    for s in scores:
        print(f"{s.case:<{width}}  {s.half:<10} {s.fields:>6} {s.exact:>6} {100 * s.exact_share:>6.1f}% "
              f"{len(s.flagged):>7} {len(s.silent):>6} {len(s.other_wrong):>5}"
              + (f"  refused: {s.error}" if s.error else ""))
        if args.silent and s.silent:
            print("    silent: " + ", ".join(s.silent))
    print()
    print(f"{'half':<10} {'cases':>5} {'fields':>6} {'exact':>6} {'exact%':>7} {'flagged':>7} {'silent':>6} {'other':>5} {'refused':>7}")
    for half, t in sorted(totals(scores).items()):
        print(f"{half:<10} {t.cases:>5} {t.fields:>6} {t.exact:>6} {100 * t.exact_share:>6.2f}% "
              f"{t.flagged:>7} {t.silent:>6} {t.other_wrong:>5} {t.refused:>7}")


if __name__ == "__main__":
    main()
