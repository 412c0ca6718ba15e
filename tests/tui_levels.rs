//! End to end, the workstation at every level (issue 12): the real `patuh` binary in a
//! pseudo-terminal, driven by keys, its screen read back with a terminal emulator.
//! A unit's interview is entered for two respondents heads-down, like CSPro (a digit
//! records the answer and moves on; the last question moves on to the next
//! respondent), and the unit's and agency's scores change on screen with each
//! respondent; the database holds the respondents and their answers, each with its
//! audit row. And an instrument for a method never seen, written from
//! docs/instrument-format.md and imported with the commands, opens and scores in the
//! workstation without a rebuild.

mod pty_support;

use pty_support::*;

fn dukcapil_id(db: &std::path::Path) -> i64 {
    query(
        db,
        "SELECT u.id FROM unit u JOIN agency a ON a.id = u.agency_id
         WHERE a.code = '1702' AND u.code = 'DUKCAPIL'",
    )
}

#[test]
fn a_units_interview_of_two_respondents_heads_down_changes_the_scores_on_screen() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--demo", "--assessor", "Uji Wawancara"]);
    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (9)", "1702 Kab. Rejang Lebong"]);
    // The last agency, Rejang Lebong (2022-2024 method): its own checklist, with its
    // role and its units below.
    s.send("G");
    s.wait_for(&["› 1702 Kab. Rejang Lebong"]);
    s.send("\r");
    s.wait_for(&["Checklist 1702", "» Service user", "Service units (7)"]);
    // Its Dukcapil, found with the filter: the unit's own checklist.
    s.send("/DUKCAPIL\r");
    s.send("\r");
    let before = s.wait_for(&["Checklist DUKCAPIL", "0/4  » Staff"]);
    assert!(before.contains("0.00 E merah 0/78"), "{before}");
    assert!(before.contains("0.00 E merah 0/586"), "{before}");
    // Enter on the first indicator (an interview): its role's roster; Enter on the
    // row that adds one asks for a position, never a name.
    s.send("\r");
    s.wait_for(&["Respondents Staff 0/4", "+ new Staff (1)"]);
    s.send("\r");
    s.wait_for(&["New respondent", "Never a person's name"]);
    s.send("Kepala Dinas\r");
    s.wait_for(&[
        "Questionnaire Staff 1 (Kepala Dinas)",
        "added at DUKCAPIL (1/4)",
    ]);

    // Six answers, heads-down: the last one moves on to the next respondent, added
    // because the role needs four. The unit's and agency's scores changed on screen:
    // S_input = 100 * (14/3) / 15, the unit weighs it 21.85 of 100 (6.80); the agency
    // is the mean of its seven units (0.97).
    s.send("323123");
    let first = s.wait_for(&[
        "Questionnaire Staff 2 ",
        "6.80 E merah 6/78",
        "0.97 E merah 6/586",
    ]);
    assert!(!first.contains("0.00 E merah 0/78"), "{first}");
    // The second respondent: the unit's values are the two respondents' means.
    s.send("222222");
    let second = s.wait_for(&[
        "Questionnaire Staff 3 ",
        "6.31 E merah 12/78",
        "0.90 E merah 12/586",
    ]);
    assert!(!second.contains("6.80 E merah"), "{second}");
    // Back on the unit's checklist: the means and the roster's count.
    s.send("\x1b");
    s.wait_for(&["Respondents Staff 3/4", "Kepala Dinas", "6/6"]);
    s.send("\x1b");
    s.wait_for(&["3/4    » Staff", "2.50/3 Knowledge of the components"]);
    s.send("q");
    assert!(s.wait_exit().success());
    assert_terminal_safe(&s.raw);

    // The database holds the respondents and their answers, each change with its
    // audit row carrying the respondent's id; the hash chain is intact.
    let db = sandbox.db();
    let unit = dukcapil_id(&db);
    let people: String = query(
        &db,
        &format!(
            "SELECT group_concat(role || ' ' || number || ':' || label, '|')
             FROM (SELECT * FROM respondent WHERE level = 2 AND node_id = {unit} ORDER BY number)"
        ),
    );
    assert_eq!(people, "pelaksana 1:Kepala Dinas|pelaksana 2:|pelaksana 3:");
    // Per respondent: how many answers, and their sum (3+2+3+1+2+3, 6 x 2).
    let answers: String = query(
        &db,
        &format!(
            "SELECT group_concat(n || 'x' || c || '=' || s, '|') FROM (
               SELECT r.number AS n, count(*) AS c, sum(a.value) AS s FROM answer a
               JOIN respondent r ON r.id = a.respondent
               WHERE a.level = 2 AND a.node_id = {unit} GROUP BY r.number ORDER BY r.number)"
        ),
    );
    assert_eq!(answers, "1x6=14|2x6=12");
    let audited: i64 = query(
        &db,
        "SELECT count(*) FROM audit WHERE path = '1702/DUKCAPIL' AND action = 'value'
         AND respondent IN (SELECT uid FROM respondent)",
    );
    assert_eq!(audited, 12);
    let added: i64 = query(
        &db,
        "SELECT count(*) FROM audit WHERE path = '1702/DUKCAPIL' AND action = 'respondent-add'",
    );
    assert_eq!(added, 3);
    sandbox.patuh(&["check"]);
    // The commands score what the workstation showed.
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.patuh(&["show", "1702/DUKCAPIL", "--json"])).unwrap();
    assert_eq!(shown["score"].to_string(), "6.31");
    let agency: serde_json::Value =
        serde_json::from_str(&sandbox.patuh(&["show", "1702", "--json"])).unwrap();
    assert_eq!(agency["score"].to_string(), "0.90");
    assert_eq!(agency["category"], "E");
}

/// A method never seen, written from docs/instrument-format.md alone: a unit-level
/// observation dimension, an agency-level dimension asked of traders (a role) and one
/// taken from another institution's data; categories grouped into zones.
const NEVER_SEEN: &str = r#"{
  "format": "patuh-instrument",
  "format_version": 2,
  "id": "pasar-rakyat-2027",
  "version": "1",
  "year": 2027,
  "title": {"id": "Penilaian Pasar Rakyat", "en": "Public market assessment"},
  "description": {"id": "Contoh uji; bobot bukan bobot resmi.", "en": "Test sample; weights are not official."},
  "aggregate": "units",
  "roles": [
    {"id": "pedagang", "label": {"id": "Pedagang", "en": "Trader"}, "level": "agency", "respondents": 2}
  ],
  "dimensions": [
    {"id": "kios", "label": {"id": "Kios dan los", "en": "Stalls"}, "level": "unit", "weight": 50},
    {"id": "suara", "label": {"id": "Suara pedagang", "en": "Traders' view"}, "level": "agency", "weight": 30},
    {"id": "harga", "label": {"id": "Stabilitas harga", "en": "Price stability"}, "level": "agency", "weight": 20}
  ],
  "indicators": [
    {"id": "kebersihan", "dimension": "kios", "weight": 2, "scale": {"max": 3},
     "label": {"id": "Kebersihan los", "en": "Clean stalls"}},
    {"id": "drainase", "dimension": "kios", "weight": 1, "scale": {"max": 1},
     "label": {"id": "Saluran air", "en": "Drainage"}},
    {"id": "retribusi", "dimension": "suara", "source": "interview", "role": "pedagang",
     "weight": 1, "scale": {"max": 3}, "label": {"id": "Retribusi wajar", "en": "Fair fees"}},
    {"id": "inflasi", "dimension": "harga", "source": "data",
     "data_source": {"id": "BPS: inflasi pangan daerah"},
     "weight": 1, "scale": {"max": 100}, "label": {"id": "Indeks stabilitas harga", "en": "Price stability index"}}
  ],
  "zones": [
    {"code": "merah", "label": {"id": "Zona Merah", "en": "Red zone"}, "color": "red"},
    {"code": "hijau", "label": {"id": "Zona Hijau", "en": "Green zone"}, "color": "green"}
  ],
  "bands": [
    {"code": "C", "label": {"id": "Perlu Perbaikan", "en": "Needs work"}, "min": 0, "zone": "merah"},
    {"code": "B", "label": {"id": "Baik", "en": "Good"}, "min": 70, "zone": "hijau"},
    {"code": "A", "label": {"id": "Sangat Baik", "en": "Very good"}, "min": 90, "zone": "hijau"}
  ]
}"#;

const NEVER_SEEN_ASSIGNMENT: &str = r#"{"format": "patuh-assignment", "format_version": 1,
  "instrument": {"id": "pasar-rakyat-2027", "version": "1"}, "title": "Pasar 2027",
  "agencies": [{"code": "PSR", "name": "Dinas Perdagangan Uji", "kind": "lembaga", "units": [
    {"code": "PASAR-A", "name": "Pasar A", "products": []},
    {"code": "PASAR-B", "name": "Pasar B", "products": []}]}]}"#;

#[test]
fn a_method_never_seen_imported_with_the_commands_opens_and_scores_in_the_workstation() {
    let sandbox = Sandbox::new();
    sandbox.patuh(&["init", "--assessor", "Uji Metode"]);
    let instrument = sandbox.path("pasar.json");
    std::fs::write(&instrument, NEVER_SEEN).unwrap();
    let assignment = sandbox.path("penugasan.json");
    std::fs::write(&assignment, NEVER_SEEN_ASSIGNMENT).unwrap();
    sandbox.patuh(&["instrument", "validate", instrument.to_str().unwrap()]);
    sandbox.patuh(&["instrument", "import", instrument.to_str().unwrap()]);
    sandbox.patuh(&["assignment", "import", assignment.to_str().unwrap()]);

    let mut s = sandbox.workstation();
    s.wait_for(&["Agencies (1)", "PSR Dinas Perdagangan Uji"]);
    s.send("\r");
    s.wait_for(&[
        "Checklist PSR",
        "» Trader",
        "Fair fees",
        "Price stability index",
        "Pasar A",
        "Pasar B",
    ]);
    // Two traders, heads-down (3, then 2: a mean of 2.5); then the role has both it
    // needs and asks before adding a third: no.
    s.send("\r");
    s.wait_for(&["Respondents Trader 0/2"]);
    s.send("\r");
    s.wait_for(&["New respondent"]);
    s.send("\r");
    s.wait_for(&["Questionnaire Trader 1"]);
    s.send("3");
    s.wait_for(&["Questionnaire Trader 2"]);
    s.send("2");
    s.wait_for(&["Trader 2/2: every respondent needed is in"]);
    s.send("n");
    s.wait_for(&["Respondents Trader 2/2"]);
    // The data value: Enter on it, the value, then its source (the instrument's).
    s.send("\x1b");
    s.wait_for(&["Checklist PSR", "2/2    » Trader"]);
    s.send("jj\r");
    s.wait_for(&[
        "Value from another institution's data",
        "A decimal number in 0..100",
    ]);
    s.send("90\r");
    s.wait_for(&["Where the value comes from", "BPS: inflasi pangan daerah"]);
    s.send("\r");
    s.wait_for(&["Saved: PSR · inflasi = 90", "90/100"]);
    // Pasar A (its units are listed first, beside the agency's own checklist): its
    // stalls are clean (3/3) and drained (a tick).
    s.send("g\r");
    s.wait_for(&["Checklist PASAR-A", "Clean stalls"]);
    s.send("3 ");
    // Pasar A: (50 * 100 + 30 * 250/3 + 20 * 90) / 100 = 93.00, A, hijau; Pasar B
    // (stalls unanswered): 43.00; the agency, their mean: 68.00, C, merah.
    let screen = s.wait_for(&["93.00 A hijau", "68.00 C merah", "Very good"]);
    assert!(screen.contains("Unit PASAR-A"), "{screen}");
    s.send("q");
    assert!(s.wait_exit().success());

    let agency: serde_json::Value =
        serde_json::from_str(&sandbox.patuh(&["show", "PSR", "--json"])).unwrap();
    assert_eq!(agency["score"].to_string(), "68.00");
    assert_eq!(agency["category"], "C");
    let unit: serde_json::Value =
        serde_json::from_str(&sandbox.patuh(&["show", "PSR/PASAR-A", "--json"])).unwrap();
    assert_eq!(unit["score"].to_string(), "93.00");
    sandbox.patuh(&["check"]);
}
