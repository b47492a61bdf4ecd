#!/usr/bin/env bash
# Train the committed emotion and empathy artefacts on one GPU in about six minutes.
#
# Emotion: four teachers in parallel (two seeds each of BCE with square-root positive weights and
# of the asymmetric loss, at two learning rates), then one student distilled from their averaged
# probabilities; the best single model on dev (teacher or student) is kept. Empathy: two
# processes of three seeds each, the best on dev is kept. Every trainer has a time budget, so a
# slow machine still ends with artefacts (fewer epochs) rather than nothing.
#
# Usage, from the repository root, with the data and the base model copied under .gpu/:
#   OUT=/some/dir bash inference/training/train_all.sh                      # the real run (GPU)
#   OUT=/tmp/x bash inference/training/train_all.sh --max-train 64 --epochs 1 --device cpu   # smoke test
# Extra arguments go to every trainer. Writes OUT/emotion/, OUT/empathy/ (weights shards and
# config.json; model cards are rendered afterwards from config.json) and OUT/train_all.log.
set -uo pipefail

PY=${PYTHON:-python3}
OUT=${OUT:?set OUT to the output folder}
GPU_DIR=${GPU_DIR:-.gpu}
WORK=${WORK:-$(mktemp -d)}
GO=$GPU_DIR/data/goemotions
EP=$GPU_DIR/data/epitome
TEACHER_BUDGET=${TEACHER_BUDGET:-230}
STUDENT_BUDGET=${STUDENT_BUDGET:-170}
EMPATHY_BUDGET=${EMPATHY_BUDGET:-380}
export EMPATHYCAMP_BASE_MODEL=${EMPATHYCAMP_BASE_MODEL:-$PWD/$GPU_DIR/base}
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}
mkdir -p "$OUT" "$WORK"
LOG=$OUT/train_all.log
T0=$(date +%s)
say() { echo "[$(($(date +%s) - T0))s] $*" | tee -a "$LOG"; }
start() { # name, module args...: run a trainer in the background, its output in WORK/name.log
  local name=$1; shift
  "$PY" -m "$@" >"$WORK/$name.log" 2>&1 &
  eval "PID_$name=$!"
}
# Best of several artefact folders by a figure in their config.json.
best_of() {
  "$PY" - "$@" <<'PYEOF'
import json, sys
key = sys.argv[1]
def score(folder):
    final = json.load(open(f"{folder}/config.json"))["training"]["dev_final"]
    if key == "emotion":
        return final["macro_f1"]
    return sum(final[m]["macro_f1"] for m in ("er", "ip", "ex")) / 3
folders = [f for f in sys.argv[2:] if __import__("os").path.exists(f"{f}/config.json")]
print(max(folders, key=score) if folders else "")
PYEOF
}
export_to() { # src dest: weights and config only (cards are rendered from config.json later)
  mkdir -p "$2" && cp "$1"/weights-*.safetensors "$1"/config.json "$2"/
}

say "start on $(hostname); $(nvidia-smi -L 2>/dev/null | head -1); work in $WORK; extra args: $*"
EMO=inference.training.emotion_trainer
EMP=inference.training.empathy_trainer
start t0 $EMO --data "$GO" --out "$WORK/t0" --seeds 0 --loss bce --lr 8e-5 --save-train-probs --time-budget "$TEACHER_BUDGET" "$@"
start t1 $EMO --data "$GO" --out "$WORK/t1" --seeds 1 --loss asl --lr 8e-5 --save-train-probs --time-budget "$TEACHER_BUDGET" "$@"
start t2 $EMO --data "$GO" --out "$WORK/t2" --seeds 2 --loss bce --lr 1.2e-4 --save-train-probs --time-budget "$TEACHER_BUDGET" "$@"
start t3 $EMO --data "$GO" --out "$WORK/t3" --seeds 3 --loss asl --lr 1.2e-4 --save-train-probs --time-budget "$TEACHER_BUDGET" "$@"
start ea $EMP --data "$EP" --out "$WORK/ea" --seeds 0,1,2 --lr 6e-5 --time-budget "$EMPATHY_BUDGET" "$@"
start eb $EMP --data "$EP" --out "$WORK/eb" --seeds 3,4,5 --lr 1e-4 --tag-weight 0.5 --time-budget "$EMPATHY_BUDGET" "$@"

teachers=""
for t in t0 t1 t2 t3; do
  pid_var=PID_$t
  wait "${!pid_var}"; rc=$?
  [ "$rc" = 0 ] && teachers="$teachers,$WORK/$t"
  say "teacher $t done (rc $rc): $(grep -E 'emotion dev:' "$WORK/$t.log" | tail -1)"
done
teachers=${teachers#,}

if [ -n "$teachers" ]; then
  say "student from $teachers"
  start student $EMO --data "$GO" --out "$WORK/student" --distill-from "$teachers" --loss auto --lr 8e-5 --time-budget "$STUDENT_BUDGET" "$@"
  wait "$PID_student" || say "student failed"
  say "student: $(grep -E 'emotion dev:|chosen on dev' "$WORK/student.log" | tr '\n' ' ')"
fi
best=$(best_of emotion "$WORK/student" ${teachers//,/ })
if [ -n "$best" ]; then export_to "$best" "$OUT/emotion"; say "emotion artefact from $best"; else say "NO emotion artefact"; fi

wait "$PID_ea"; wait "$PID_eb"
best=$(best_of empathy "$WORK/ea" "$WORK/eb")
if [ -n "$best" ]; then export_to "$best" "$OUT/empathy"; say "empathy artefact from $best"; else say "NO empathy artefact"; fi

for name in t0 t1 t2 t3 student ea eb; do
  [ -f "$WORK/$name.log" ] || continue
  echo "===== $name =====" >>"$LOG"
  tr '\r' '\n' <"$WORK/$name.log" | grep -v '%|' >>"$LOG"
done
say "done"
ls -la "$OUT" "$OUT"/* | tee -a "$LOG"
