#!/usr/bin/env bash
# patuh against the physical reference for the same work, in one run, on the same data:
#
#   export: `patuh export` of the nation        vs  `sqlite3 -json` of the same rows
#           (agencies, units, products, observations, evidence, the audit log)
#   merge:  `patuh central merge` of the 34     vs  a bulk insert of the same agencies,
#           provincial offices' exports             units, products and observations
#                                                   through `sqlite3` (one transaction per
#                                                   office, same pragmas, same schema)
#
# Each pair is timed REPEAT times (default 3), alternately, each run after a `sync`,
# and the medians are compared. The data are
# generated once (`patuh gen`, seed 7) and kept in WORK. Usage:
#
#   bench/compare.sh                       # national scale
#   PATUH_BENCH_SCALE=province bench/compare.sh
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
SEED=7
REPEAT=${REPEAT:-3}
TARGET=${CARGO_TARGET_DIR:-target}
WORK=${WORK:-$TARGET/compare-$SCALE}
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

echo "== data ($SCALE scale, seed $SEED) in $WORK"
if [ ! -f "$WORK/nation.db" ]; then
    "$PATUH" gen --scale "$SCALE" --seed "$SEED" --db "$WORK/nation.db"
fi
OFFICES=()
for o in $(seq 0 33); do
    db=$(printf "%s/office%02d.db" "$WORK" "$o")
    if [ ! -f "$db" ]; then
        "$PATUH" gen --scale "$SCALE" --seed "$SEED" --office "$o" --db "$db" >/dev/null
    fi
    # offices without agencies at this scale send nothing
    if [ "$(sqlite3 "$db" 'SELECT count(*) FROM agency')" != 0 ]; then
        OFFICES+=("$db")
    fi
done
# each office signs with a key of its own, as the 34 Perwakilan would
EXPORTS=()
for db in "${OFFICES[@]}"; do
    file="${db%.db}.patuh"
    if [ ! -f "$file" ]; then
        n=$(basename "$db" .db)
        keys="$WORK/keys/$n"
        if [ -z "$(ls -A "$keys" 2>/dev/null)" ]; then
            PATUH_KEYS_DIR="$keys" "$PATUH" keys init --name "Perwakilan $n" --id "perwakilan-$n" >/dev/null
        fi
        PATUH_KEYS_DIR="$keys" "$PATUH" --db "$db" export --out "$file" >/dev/null
    fi
    EXPORTS+=("$file")
done
if [ -z "$(ls -A "$PATUH_KEYS_DIR/nation" 2>/dev/null)" ]; then
    PATUH_KEYS_DIR="$PATUH_KEYS_DIR/nation" "$PATUH" keys init --name "Penilai Nasional" --id penilai-nasional >/dev/null
fi
echo "   $(sqlite3 "$WORK/nation.db" 'SELECT count(*) FROM observation') observations, $(sqlite3 "$WORK/nation.db" 'SELECT count(*) FROM audit') audit rows; ${#EXPORTS[@]} office exports"

# --- export ------------------------------------------------------------------------
cat >"$WORK/export-rows.sql" <<'SQL'
SELECT id, code, name, kind FROM agency ORDER BY id;
SELECT a.code AS agency, u.code, u.name FROM unit u JOIN agency a ON a.id = u.agency_id ORDER BY u.agency_id, u.id;
SELECT a.code AS agency, u.code AS unit, p.code, p.name, p.finalized_at, p.finalized_by
  FROM product p JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id ORDER BY u.agency_id, p.unit_id, p.id;
SELECT a.code AS agency, u.code AS unit, p.code AS product, o.indicator, o.value, o.na, o.note, o.updated_at, o.updated_by
  FROM observation o JOIN product p ON p.id = o.product_id JOIN unit u ON u.id = p.unit_id JOIN agency a ON a.id = u.agency_id
  ORDER BY u.agency_id, p.unit_id, p.id, o.indicator;
SELECT product_id, indicator, reference, size, sha256, added_at, added_by FROM evidence ORDER BY product_id, id;
SELECT seq, at, who, product, indicator, action, old, new, prev_hash, hash FROM audit ORDER BY seq;
SQL
reference_export() { sqlite3 -json "$WORK/nation.db" <"$WORK/export-rows.sql" >"$WORK/nation.json"; }
patuh_export() { PATUH_KEYS_DIR="$PATUH_KEYS_DIR/nation" "$PATUH" --db "$WORK/nation.db" export --out "$WORK/nation.patuh"; }

echo "== export of the nation (x$REPEAT)"
read -r t_ref_export t_export < <(pair : reference_export : patuh_export)
echo "   sqlite3 -json: ${t_ref_export} s ($(stat -c %s "$WORK/nation.json") bytes)"
echo "   patuh export:  ${t_export} s ($(stat -c %s "$WORK/nation.patuh") bytes, signed, fsynced)"

# --- merge -------------------------------------------------------------------------
fresh_central() { rm -f "$WORK/central.db" "$WORK/central.db-wal" "$WORK/central.db-shm"; }
patuh_merge() { "$PATUH" central merge --db "$WORK/central.db" "${EXPORTS[@]}" 2>/dev/null; }
fresh_reference() {
    rm -f "$WORK/reference.db" "$WORK/reference.db-wal" "$WORK/reference.db-shm"
    "$PATUH" init --db "$WORK/reference.db" >/dev/null
}
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
INSERT INTO main.product (unit_id, code, name, finalized_at, finalized_by)
  SELECT mu.id, sp.code, sp.name, sp.finalized_at, sp.finalized_by FROM s.product sp
  JOIN s.unit su ON su.id = sp.unit_id JOIN s.agency sa ON sa.id = su.agency_id
  JOIN main.agency ma ON ma.code = sa.code JOIN main.unit mu ON mu.agency_id = ma.id AND mu.code = su.code;
INSERT INTO main.observation (product_id, indicator, value, na, note, updated_at, updated_by)
  SELECT mp.id, so.indicator, so.value, so.na, so.note, so.updated_at, so.updated_by FROM s.observation so
  JOIN s.product sp ON sp.id = so.product_id JOIN s.unit su ON su.id = sp.unit_id JOIN s.agency sa ON sa.id = su.agency_id
  JOIN main.agency ma ON ma.code = sa.code JOIN main.unit mu ON mu.agency_id = ma.id AND mu.code = su.code
  JOIN main.product mp ON mp.unit_id = mu.id AND mp.code = sp.code;
COMMIT;
DETACH s;
SQL
        done
    } | sqlite3 "$WORK/reference.db"
}

echo "== central merge of ${#EXPORTS[@]} office exports into a new central database (x$REPEAT)"
read -r t_ref_merge t_merge < <(pair fresh_reference reference_merge fresh_central patuh_merge)
echo "   sqlite3 bulk insert: ${t_ref_merge} s ($(sqlite3 "$WORK/reference.db" 'SELECT count(*) FROM observation') observations)"
echo "   patuh central merge: ${t_merge} s ($(sqlite3 "$WORK/central.db" 'SELECT count(*) FROM observation') observations)"

# --- summary -----------------------------------------------------------------------
r_export=$(ratio "$t_export" "$t_ref_export")
r_merge=$(ratio "$t_merge" "$t_ref_merge")
met() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t) ? "met" : "MISSED" }'; }
echo
echo "== $SCALE scale, medians of $REPEAT, $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf "%-40s %10s %12s %8s   %s\n" "work" "patuh" "reference" "ratio" "target"
printf "%-40s %9ss %11ss %7sx   %s\n" "export of the nation" "$t_export" "$t_ref_export" "$r_export" \
    "<= 2x sqlite3 -json: $(met "$r_export" 2)"
printf "%-40s %9ss %11ss %7sx   %s\n" "central merge of ${#EXPORTS[@]} exports" "$t_merge" "$t_ref_merge" "$r_merge" \
    "< 60 s: $(met "$t_merge" 60)"
