#!/usr/bin/env bash
# The issue-3 and issue-13 figures: knowledge search, intents, languages — each with its anchor, same run.
# Usage: bench/quality.sh [kb|intents|lang|all]   (search latency is also measured on one core)
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/data
PY=.venv/bin/python
DASAN=".venv/bin/dasan"
what=${1:-all}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
if [ "$what" = all ] || [ "$what" = kb ]; then
  for coll in parakqc welfare; do
    for profile in bm25 char e5 fast accurate; do
      echo "kb eval $coll ($profile, one core): $(taskset -c 0 $DASAN kb eval --articles $D/kb/${coll}_articles.jsonl --queries $D/kb/${coll}_queries.jsonl --profile $profile --json)"
    done
  done
  echo "long bodies (one core): $(taskset -c 0 $PY bench/kb_long_bodies.py $D/kb/welfare_articles.jsonl $D/kb/welfare_queries.jsonl)"
  echo "fusion weights, chosen on each collection and on both (every 3rd query):"
  $PY bench/kb_fusion.py $D/kb/parakqc_articles.jsonl $D/kb/parakqc_queries.jsonl $D/kb/welfare_articles.jsonl $D/kb/welfare_queries.jsonl
  echo "self-calibration rates against real queries:"
  $PY bench/kb_calibration.py $D/kb/welfare_articles.jsonl $D/kb/welfare_queries.jsonl $D/kb/parakqc_articles.jsonl $D/kb/parakqc_queries.jsonl
  echo "lexical engines (one core):"; taskset -c 0 $PY bench/lexical_compare.py $D/kb/parakqc_articles.jsonl $D/kb/parakqc_queries.jsonl
fi
if [ "$what" = all ] || [ "$what" = intents ]; then
  echo "intents clinc150 dasan:  $($DASAN bot eval-intents --train $D/intents/clinc150_train.jsonl --test $D/intents/clinc150_val.jsonl --json)"
  echo "intents clinc150 anchor: $($PY bench/intent_anchor.py $D/intents/clinc150_train.jsonl $D/intents/clinc150_val.jsonl)"
  $PY bench/split_jsonl.py $D/intents/banking77_train.jsonl "$tmp/b77_train.jsonl" "$tmp/b77_test.jsonl"
  echo "intents banking77 dasan:  $($DASAN bot eval-intents --train "$tmp/b77_train.jsonl" --test "$tmp/b77_test.jsonl" --json)"
  echo "intents banking77 anchor: $($PY bench/intent_anchor.py "$tmp/b77_train.jsonl" "$tmp/b77_test.jsonl")"
fi
if [ "$what" = all ] || [ "$what" = lang ]; then
  echo "lang eval (one core): $(taskset -c 0 $DASAN lang eval --samples $D/lang/short_texts_dev.jsonl --json)"
  echo "lang anchor (one core): $(taskset -c 0 $PY bench/lang_anchor.py $D/lang/short_texts_dev.jsonl)"
fi
