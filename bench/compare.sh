#!/usr/bin/env bash
# patuh against the physical reference for the same work, in one run, on the same data:
#
#   export: `patuh export` of the nation        vs  `sqlite3 -json` of the same rows
#           (agencies, units, products, node states, respondents, answers, follow-ups,
#           evidence, the audit log)
#   merge:  `patuh central merge` of the 34     vs  a bulk insert of the same agencies,
#           provincial offices' exports             units, products, respondents and
#                                                   answers through `sqlite3` (one
#                                                   transaction per office, same pragmas,
#                                                   same schema)
#
# and, against issue 16's targets, `patuh score --json` of the nation (< 0.5 s) and its
# xlsx report (< 5 s, < 500 MB), with their peak memory (GNU time, when installed).
# Each pair is timed REPEAT times (default 3), alternately, each run after a `sync`,
# and the medians are compared. The data are generated once (`patuh gen`, seed 7) and
# kept in WORK. An export format that cannot carry the data (format 1: products'
# answers only) leaves the export and the merge unmeasured, saying why. Usage:
#
#   bench/compare.sh                       # national scale, the 2022-2025 methods
#   PATUH_BENCH_SCALE=province bench/compare.sh
#   PATUH_BENCH_METHOD=2021 bench/compare.sh   # product checklists only (before issue 16)
#   REPEAT=5 WORK=/tmp/cmp bench/compare.sh
#
# The references do less than patuh, on purpose: they are the floor of moving the same
# rows (sqlite3 neither checks the audit chain, nor signs, nor fsyncs its output file;
# the bulk insert verifies no signature or score and keeps no per-assessor copy).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlite3 >/dev/null 2>&1; then
    echo "bench/compare.sh: sqlite3 is missing; it is the reference this script compares with." >&2
    echo "  Install the sqlite3 command-line shell (Debian/Ubuntu: sudo apt-get install sqlite3) and run it again." >&2
    exit 1
fi

SCALE=${PATUH_BENCH_SCALE:-national}
METHOD=${PATUH_BENCH_METHOD:-2024}
SEED=7
REPEAT=${REPEAT:-3}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=${WORK:-$TARGET/compare-$SCALE-$METHOD}
PATUH=$TARGET/release/patuh

echo "== building patuh (release)"
cargo build --release --quiet
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
export PATUH_KEYS_DIR="$WORK/keys"
export PATUH_LOG=warn

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# seconds taken by "$@" (output discarded)
once() {
    local s e
    s=$(now)
    "$@" >/dev/null
    e=$(now)
    awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }'
}
# pair PREP_A A PREP_B B: runs A and B alternately REPEAT times, each after its
# (untimed) preparation and a `sync`, so that neither pays for the other's dirty pages
# being written back; prints the two medians.
pair() {
    local i ta=() tb=()
    for ((i = 0; i < REPEAT; i++)); do
        $1
        sync
        ta+=("$(once "$2")")
        $3
        sync
        tb+=("$(once "$4")")
    done
    echo "$(printf '%s\n' "${ta[@]}" | median) $(printf '%s\n' "${tb[@]}" | median)"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# seconds and peak KB of "$@" (output discarded); the peak is "-" without GNU time
measured() {
    local s e peak=-
    s=$(now)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M" -o "$WORK/time.out" "$@" >/dev/null
        peak=$(tail -1 "$WORK/time.out")
    else
        "$@" >/dev/null
    fi
    e=$(now)
    awk -v s="$s" -v e="$e" -v p="$peak" 'BEGIN { printf "%.3f %s\n", e - s, p }'
}

echo "== data ($SCALE scale, method $METHOD, seed $SEED) in $WORK; load $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -f "$WORK/nation.db" ]; then
    "$PATUH" gen --scale "$SCALE" --seed "$SEED" --method "$METHOD" --db "$WORK/nation.db"
fi
OFFICES=()
for o in $(seq 0 33); do
    db=$(printf "%s/office%02d.db" "$WORK" "$o")
    if [ ! -f "$db" ]; then
        "$PATUH" gen --scale "$SCALE" --seed "$SEED" --method "$METHOD" --office "$o" --db "$db" >/dev/null
    fi
    # offices without agencies at this scale send nothing
    if [ "$(sqlite3 "$db" 'SELECT count(*) FROM agency')" != 0 ]; then
        OFFICES+=("$db")
    fi
done
# each office signs with a key of its own, as the 34 Perwakilan would
EXPORTS=()
EXPORTABLE=yes
for db in "${OFFICES[@]}"; do
    file="${db%.db}.patuh"
    if [ ! -f "$file" ]; then
        n=$(basename "$db" .db)
        keys="$WORK/keys/$n"
        if [ -z "$(ls -A "$keys" 2>/dev/null)" ]; then
            PATUH_KEYS_DIR="$keys" "$PATUH" keys init --name "Perwakilan $n" --id "perwakilan-$n" >/dev/null
        fi
        if ! PATUH_KEYS_DIR="$keys" "$PATUH" --db "$db" export --out "$file" >/dev/null 2>"$WORK/export.err"; then
            EXPORTABLE="no: $(head -c 300 "$WORK/export.err")"
            break
        fi
    fi
    EXPORTS+=("$file")
done
if [ -z "$(ls -A "$PATUH_KEYS_DIR/nation" 2>/dev/null)" ]; then
    PATUH_KEYS_DIR="$PATUH_KEYS_DIR/nation" "$PATUH" keys init --name "Penilai Nasional" --id penilai-nasional >/dev/null
fi
q() { sqlite3 "$WORK/nation.db" "$1"; }
echo "   $(q 'SELECT count(*) FROM answer') answers ($(q 'SELECT count(*) FROM answer WHERE respondent <> 0') interview answers), $(q 'SELECT count(*) FROM respondent') respondents, $(q 'SELECT count(*) FROM audit') audit rows; ${#EXPORTS[@]} office exports"

# --- score and report -----------------------------------------------------------
echo "== score --json and the xlsx report of the nation (x$REPEAT); load $(cut -d' ' -f1-3 /proc/loadavg)"
score_runs=() score_peaks=() report_runs=() report_peaks=()
for ((i = 0; i < REPEAT; i++)); do
    sync
    read -r t p < <(measured "$PATUH" --db "$WORK/nation.db" score --json)
    score_runs+=("$t") score_peaks+=("$p")
    sync
    read -r t p < <(measured "$PATUH" --db "$WORK/nation.db" report --format xlsx --out "$WORK/nation.xlsx")
    report_runs+=("$t") report_peaks+=("$p")
done
t_score=$(printf '%s\n' "${score_runs[@]}" | median)
t_report=$(printf '%s\n' "${report_runs[@]}" | median)
peak_mb() { if [ "$1" = - ]; then echo -; else awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; fi; }
m_score=$(peak_mb "$(printf '%s\n' "${score_peaks[@]}" | sort -g | tail -1)")
m_report=$(peak_mb "$(printf '%s\n' "${report_peaks[@]}" | sort -g | tail -1)")
echo "   score --json: ${t_score} s, peak ${m_score} MB; report xlsx: ${t_report} s, peak ${m_report} MB ($(stat -c %s "$WORK/nation.xlsx") bytes)"

# --- export ------------------------------------------------------------------------
cat >"$WORK/export-rows.sql" <<'SQL'
SELECT id, code, name, kind FROM agency ORDER BY id;
SELECT a.code AS agency, u.code, u.name FROM unit u JOIN agency a ON a.id = u.agency_id ORDER BY u.agency_id, u.id;
SELECT a.code AS agency, u.code AS unit, p.code, p.name
  FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id ORDER BY u.agency_id, p.unit_id, p.id;
SELECT cycle_id, level, node_id, finalized_at, finalized_by FROM node_state WHERE finalized_at IS NOT NULL ORDER BY 1, 2, 3;
SELECT uid, level, node_id, role, number, label, added_at, added_by, removed_at, removed_by, removed_reason
  FROM respondent ORDER BY id;
SELECT o.level, o.node_id, o.indicator, r.uid AS respondent, o.value, o.amount, o.source, o.na, o.note, o.updated_at, o.updated_by
  FROM answer o LEFT JOIN respondent r ON r.id = o.respondent ORDER BY o.cycle_id, o.level, o.node_id, o.indicator, o.respondent;
SELECT agency_id, kind, ref, status, updated_at, updated_by FROM followup ORDER BY id;
SELECT agency_id, closed_at, closed_by FROM followup_register ORDER BY agency_id;
SELECT level, node_id, indicator, reference, size, sha256, added_at, added_by FROM evidence ORDER BY id;
SELECT seq, at, who, path, indicator, action, old, new, prev_hash, hash, cycle, respondent FROM audit ORDER BY seq;
SQL
reference_export() { sqlite3 -json "$WORK/nation.db" <"$WORK/export-rows.sql" >"$WORK/nation.json"; }
patuh_export() { PATUH_KEYS_DIR="$PATUH_KEYS_DIR/nation" "$PATUH" --db "$WORK/nation.db" export --out "$WORK/nation.patuh"; }

if [ "$EXPORTABLE" = yes ]; then
    echo "== export of the nation (x$REPEAT); load $(cut -d' ' -f1-3 /proc/loadavg)"
    read -r t_ref_export t_export < <(pair : reference_export : patuh_export)
    echo "   sqlite3 -json: ${t_ref_export} s ($(stat -c %s "$WORK/nation.json") bytes)"
    echo "   patuh export:  ${t_export} s ($(stat -c %s "$WORK/nation.patuh") bytes, signed, fsynced)"
    verify_runs=() verify_peaks=()
    for ((i = 0; i < REPEAT; i++)); do
        sync
        read -r t p < <(measured "$PATUH" verify "$WORK/nation.patuh")
        verify_runs+=("$t") verify_peaks+=("$p")
    done
    t_verify=$(printf '%s\n' "${verify_runs[@]}" | median)
    m_verify=$(printf '%s\n' "${verify_peaks[@]}" | sort -g | tail -1)
    echo "   patuh verify:  ${t_verify} s, peak $(peak_mb "$m_verify") MB"
else
    echo "== export and merge not measured: the export format cannot carry this data set"
    echo "   ($EXPORTABLE)"
fi

# --- merge -------------------------------------------------------------------------
fresh_central() { rm -f "$WORK/central.db" "$WORK/central.db-wal" "$WORK/central.db-shm"; }
# its peak memory too (GNU time's own cost is a fork and a wait), the largest of the runs
patuh_merge() {
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "%M" -a -o "$WORK/merge.peaks" "$PATUH" central merge --db "$WORK/central.db" "${EXPORTS[@]}" 2>/dev/null
    else
        "$PATUH" central merge --db "$WORK/central.db" "${EXPORTS[@]}" 2>/dev/null
    fi
}
fresh_reference() {
    rm -f "$WORK/reference.db" "$WORK/reference.db-wal" "$WORK/reference.db-shm"
    "$PATUH" init --db "$WORK/reference.db" >/dev/null
}
# The node a row of the office's database names, in the reference's ids: per level.
node_join() {
    case $1 in
        1) echo "JOIN s.agency sa ON sa.id = so.node_id JOIN main.agency ma ON ma.code = sa.code" ;;
        2) echo "JOIN s.unit su ON su.id = so.node_id JOIN s.agency sa ON sa.id = su.agency_id
             JOIN main.agency ma ON ma.code = sa.code JOIN main.unit mu ON mu.agency_id = ma.id AND mu.code = su.code" ;;
        3) echo "JOIN s.product sp ON sp.id = so.node_id JOIN s.unit su ON su.id = sp.unit_id JOIN s.agency sa ON sa.id = su.agency_id
             JOIN main.agency ma ON ma.code = sa.code JOIN main.unit mu ON mu.agency_id = ma.id AND mu.code = su.code
             JOIN main.product mp ON mp.unit_id = mu.id AND mp.code = sp.code" ;;
    esac
}
node_id() { case $1 in 1) echo ma.id ;; 2) echo mu.id ;; 3) echo mp.id ;; esac; }
reference_merge() {
    {
        echo "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
        for db in "${OFFICES[@]}"; do
            cat <<SQL
ATTACH '$db' AS s;
BEGIN IMMEDIATE;
INSERT INTO main.agency (code, name, kind, instrument_id)
  SELECT sa.code, sa.name, sa.kind, mi.id FROM s.agency sa JOIN s.instrument si ON si.id = sa.instrument_id
  JOIN main.instrument mi ON mi.code = si.code AND mi.version = si.version;
INSERT INTO main.unit (agency_id, code, name)
  SELECT ma.id, su.code, su.name FROM s.unit su JOIN s.agency sa ON sa.id = su.agency_id JOIN main.agency ma ON ma.code = sa.code;
INSERT INTO main.product (unit_id, code, name)
  SELECT mu.id, sp.code, sp.name FROM s.product sp
  JOIN s.unit su ON su.id = sp.unit_id JOIN s.agency sa ON sa.id = su.agency_id
  JOIN main.agency ma ON ma.code = sa.code JOIN main.unit mu ON mu.agency_id = ma.id AND mu.code = su.code;
SQL
            for level in 1 2 3; do
                cat <<SQL
INSERT INTO main.respondent (uid, cycle_id, level, node_id, role, number, label, added_at, added_by,
                             removed_at, removed_by, removed_reason)
  SELECT so.uid, 1, so.level, $(node_id $level), so.role, so.number, so.label, so.added_at, so.added_by,
         so.removed_at, so.removed_by, so.removed_reason
  FROM s.respondent so $(node_join $level) WHERE so.level = $level;
INSERT INTO main.answer (cycle_id, level, node_id, indicator, respondent, value, amount, source, na, note,
                         updated_at, updated_by)
  SELECT 1, so.level, $(node_id $level), so.indicator, coalesce(mr.id, 0), so.value, so.amount, so.source, so.na,
         so.note, so.updated_at, so.updated_by
  FROM s.answer so $(node_join $level)
  LEFT JOIN s.respondent sr ON sr.id = so.respondent LEFT JOIN main.respondent mr ON mr.uid = sr.uid
  WHERE so.level = $level;
SQL
            done
            cat <<SQL
INSERT INTO main.followup (cycle_id, agency_id, kind, ref, status, updated_at, updated_by)
  SELECT 1, ma.id, so.kind, so.ref, so.status, so.updated_at, so.updated_by
  FROM s.followup so JOIN s.agency sa ON sa.id = so.agency_id JOIN main.agency ma ON ma.code = sa.code;
COMMIT;
DETACH s;
SQL
        done
    } | sqlite3 "$WORK/reference.db"
}

if [ "$EXPORTABLE" = yes ]; then
    echo "== central merge of ${#EXPORTS[@]} office exports into a new central database (x$REPEAT); load $(cut -d' ' -f1-3 /proc/loadavg)"
    rm -f "$WORK/merge.peaks"
    read -r t_ref_merge t_merge < <(pair fresh_reference reference_merge fresh_central patuh_merge)
    m_merge=-
    if [ -f "$WORK/merge.peaks" ]; then m_merge=$(grep -E '^[0-9]+$' "$WORK/merge.peaks" | sort -g | tail -1); fi
    echo "   sqlite3 bulk insert: ${t_ref_merge} s ($(sqlite3 "$WORK/reference.db" 'SELECT count(*) FROM answer') answers)"
    echo "   patuh central merge: ${t_merge} s, peak $(peak_mb "$m_merge") MB ($(sqlite3 "$WORK/central.db" 'SELECT count(*) FROM answer') answers)"
fi

# --- summary -----------------------------------------------------------------------
met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "MISSED" }'; }
echo
echo "== $SCALE scale, method $METHOD, medians of $REPEAT, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-40s %10s %12s %8s   %s\n" "work" "patuh" "reference" "ratio" "target"
if [ "$EXPORTABLE" = yes ]; then
    r_export=$(ratio "$t_export" "$t_ref_export")
    r_merge=$(ratio "$t_merge" "$t_ref_merge")
    printf "%-40s %9ss %11ss %7sx   %s\n" "export of the nation" "$t_export" "$t_ref_export" "$r_export" \
        "<= 1.0x sqlite3 -json: $(met "$r_export" 1.0)"
    printf "%-40s %9ss %11ss %7sx   %s\n" "central merge of ${#EXPORTS[@]} exports" "$t_merge" "$t_ref_merge" "$r_merge" \
        "<= 3x the bulk insert: $(met "$r_merge" 3), peak $(peak_mb "$m_merge") MB"
    r_verify=$(ratio "$t_verify" "$t_export")
    printf "%-40s %9ss %11ss %7sx   %s\n" "verify of the one-file nation" "$t_verify" "$t_export" "$r_verify" \
        "<= 1.2x the export, < 300 MB: $(met "$r_verify" 1.2), peak $(peak_mb "$m_verify") MB"
    printf "%-40s %9s\n" "export file size (bytes)" "$(stat -c %s "$WORK/nation.patuh")"
else
    printf "%-40s %s\n" "export of the nation" "not measured (export format)"
    printf "%-40s %s\n" "central merge" "not measured (export format)"
fi
score_ok=$(met "$t_score" 0.5)
report_ok=$(met "$t_report" 5)
if [ "$m_report" != - ]; then report_ok="$report_ok, $(met "$m_report" 500) (peak ${m_report} MB)"; fi
printf "%-40s %9ss %12s %8s   %s\n" "score --json of the nation" "$t_score" "-" "-" "< 0.5 s: $score_ok (peak ${m_score} MB)"
printf "%-40s %9ss %12s %8s   %s\n" "xlsx report of the nation" "$t_report" "-" "-" "< 5 s, < 500 MB: $report_ok"
