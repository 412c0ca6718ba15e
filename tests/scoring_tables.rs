//! Hand-computed score tables for both shipped instruments and every rule of the
//! scoring contract (shared/domain.md). Each expected value is worked out in the
//! comment beside it.

mod common;

use common::*;
use patuh::domain::Value::{self, Level, NotApplicable as NA, Unanswered};
use patuh::domain::model::{AgencyIx, ProductIx, ScoreBook, UnitIx};
use patuh::domain::scoring::{Rounded, next_zone, score_product};

fn rounded(i: &patuh::domain::Instrument, v: &[Value]) -> Option<String> {
    score_product(i, v).rounded().map(|r| r.to_string())
}

fn zone(i: &patuh::domain::Instrument, v: &[Value]) -> String {
    let r = score_product(i, v).rounded().expect("scored");
    i.band_for(r.0).code.clone()
}

const TICK: Value = Level(1);

// ---- kepatuhan-2021: a flat weighted tick checklist, total weight 94 ----

#[test]
fn k2021_total_weight_and_extremes() {
    let i = instrument_2021();
    let all: Vec<Value> = vec![TICK; i.indicators.len()];
    assert_eq!(rounded(&i, &all).as_deref(), Some("100.00"));
    assert_eq!(zone(&i, &all), "hijau");
    // Nothing answered: 0 and incomplete.
    let none = vec![Unanswered; i.indicators.len()];
    let s = score_product(&i, &none);
    assert_eq!(s.score, Some(r(0, 1)));
    assert!(!s.complete());
    assert_eq!((s.answered, s.total), (0, 36));
    assert_eq!(zone(&i, &none), "merah");
    // Unanswered counts exactly like a 0.
    let zeros = vec![Level(0); i.indicators.len()];
    assert_eq!(score_product(&i, &zeros).score, s.score);
    assert!(score_product(&i, &zeros).complete());
}

#[test]
fn k2021_the_six_heaviest() {
    let i = instrument_2021();
    // persyaratan, prosedur, waktu, biaya, maklumat, sarana-pengaduan weigh 5 each:
    // 100 * 30 / 94 = 31.914893... -> 31.91, red.
    let v = values(
        &i,
        &[
            ("persyaratan", TICK),
            ("prosedur", TICK),
            ("waktu", TICK),
            ("biaya", TICK),
            ("maklumat", TICK),
            ("sarana-pengaduan", TICK),
        ],
    );
    assert_eq!(score_product(&i, &v).score, Some(r(3000, 94)));
    assert_eq!(rounded(&i, &v).as_deref(), Some("31.91"));
    assert_eq!(zone(&i, &v), "merah");
}

#[test]
fn k2021_not_applicable_leaves_the_denominator() {
    let i = instrument_2021();
    // The whole "khusus" dimension (weights 2 + 1.75 + 2 + 1.75 + 1.5 + 1.25 = 10.25) is
    // N/A and everything else ticked except persyaratan (5):
    // 100 * (94 - 10.25 - 5) / (94 - 10.25) = 100 * 78.75 / 83.75 = 94.0298... -> 94.03
    let mut v = vec![TICK; i.indicators.len()];
    for id in [
        "ramp",
        "kursi-roda",
        "loket-prioritas",
        "toilet-disabilitas",
        "ruang-laktasi",
        "ruang-bermain-anak",
    ] {
        v[i.indicator_index(id).unwrap()] = NA;
    }
    v[i.indicator_index("persyaratan").unwrap()] = Level(0);
    assert_eq!(score_product(&i, &v).score, Some(r(7875, 8375) * r(100, 1)));
    assert_eq!(rounded(&i, &v).as_deref(), Some("94.03"));
    assert!(score_product(&i, &v).complete(), "N/A counts as answered");
}

#[test]
fn k2021_exactly_81_is_green_never_80_99999() {
    let i = instrument_2021();
    // 19 indicators N/A, weighing 44 together, leave 50 applicable. Ticked: biaya 5,
    // produk 3.5, pengawasan-internal 1.75, jumlah-pelaksana 1.5, maklumat 5, antrean 1.5,
    // toilet 1.5, informasi-visual 2.5, informasi-elektronik 2.25, loket-prioritas 2,
    // sarana-pengaduan 5, petugas-pengaduan 3.5, register-pengaduan 2.5, skm 3 = 40.5.
    // Unticked but applicable: prosedur 5, jam-layanan 2.5, evaluasi-kinerja 2.
    let na = [
        "sk-standar",
        "dasar-hukum",
        "persyaratan",
        "waktu",
        "kompetensi-pelaksana",
        "jaminan-keamanan",
        "ruang-tunggu",
        "loket",
        "layanan-daring",
        "ramp",
        "kursi-roda",
        "toilet-disabilitas",
        "ruang-laktasi",
        "ruang-bermain-anak",
        "prosedur-pengaduan",
        "tanda-pengenal",
        "seragam",
        "petugas-informasi",
        "publikasi-skm",
    ];
    let ticked = [
        "biaya",
        "produk",
        "pengawasan-internal",
        "jumlah-pelaksana",
        "maklumat",
        "antrean",
        "toilet",
        "informasi-visual",
        "informasi-elektronik",
        "loket-prioritas",
        "sarana-pengaduan",
        "petugas-pengaduan",
        "register-pengaduan",
        "skm",
    ];
    let mut set: Vec<(&str, Value)> = na.iter().map(|id| (*id, NA)).collect();
    set.extend(ticked.iter().map(|id| (*id, TICK)));
    let v = values(&i, &set);
    // Applicable = 94 - 44 (the 19 N/A weights) = 50; ticked = 40.5; 100 * 40.5 / 50 = 81.
    assert_eq!(score_product(&i, &v).score, Some(r(81, 1)));
    assert_eq!(rounded(&i, &v).as_deref(), Some("81.00"));
    assert_eq!(zone(&i, &v), "hijau");
}

#[test]
fn k2021_zone_is_looked_up_on_the_rounded_value() {
    let i = instrument_2021();
    // N/A waktu (5) and ruang-bermain-anak (1.25): applicable 87.75. Ticked weights sum to
    // 44.75. 100 * 44.75 / 87.75 = 17900 / 351 = 50.997... -> 51.00, so yellow, not red.
    let na = ["waktu", "ruang-bermain-anak"];
    let ticked = [
        "sk-standar",
        "persyaratan",
        "kompetensi-pelaksana",
        "pengawasan-internal",
        "jumlah-pelaksana",
        "ruang-tunggu",
        "loket",
        "toilet",
        "informasi-elektronik",
        "ramp",
        "kursi-roda",
        "loket-prioritas",
        "ruang-laktasi",
        "prosedur-pengaduan",
        "register-pengaduan",
        "seragam",
        "petugas-informasi",
        "skm",
        "publikasi-skm",
        "evaluasi-kinerja",
    ];
    let mut set: Vec<(&str, Value)> = na.iter().map(|id| (*id, NA)).collect();
    set.extend(ticked.iter().map(|id| (*id, TICK)));
    let v = values(&i, &set);
    assert_eq!(score_product(&i, &v).score, Some(r(17900, 351)));
    assert_eq!(rounded(&i, &v).as_deref(), Some("51.00"));
    assert_eq!(zone(&i, &v), "kuning");
}

#[test]
fn all_not_applicable_has_no_score_and_is_left_out_of_rollups() {
    let i = instrument_2021();
    let all_na = vec![NA; i.indicators.len()];
    assert_eq!(score_product(&i, &all_na).score, None);
    assert!(score_product(&i, &all_na).complete());
    // Unit: one product at 100, one all N/A -> mean over scored products only = 100.
    let full = vec![TICK; i.indicators.len()];
    let ds = dataset(i, &[vec![vec![full, all_na]]]);
    let book = ScoreBook::compute(&ds);
    assert_eq!(book.unit(UnitIx::new(0)).score, Some(r(100, 1)));
    assert_eq!(book.agency(&ds, AgencyIx::new(0)).score, Some(r(100, 1)));
    assert_eq!(book.product_summary(ProductIx::new(1)).rounded(), None);
}

// ---- kepatuhan-2022: four dimensions with the published weights, 0-3 scales ----

#[test]
fn k2022_uniform_values() {
    let i = instrument_2022();
    let n = i.indicators.len();
    assert_eq!(rounded(&i, &vec![Level(3); n]).as_deref(), Some("100.00"));
    // 2/3 everywhere: 200/3 = 66.666... -> 66.67 (yellow).
    assert_eq!(score_product(&i, &vec![Level(2); n]).score, Some(r(200, 3)));
    assert_eq!(rounded(&i, &vec![Level(2); n]).as_deref(), Some("66.67"));
    assert_eq!(zone(&i, &vec![Level(2); n]), "kuning");
    // 1/3 everywhere: 33.333... -> 33.33.
    assert_eq!(rounded(&i, &vec![Level(1); n]).as_deref(), Some("33.33"));
    assert_eq!(rounded(&i, &vec![Level(0); n]).as_deref(), Some("0.00"));
}

fn by_dimension(i: &patuh::domain::Instrument, f: impl Fn(&str) -> Value) -> Vec<Value> {
    i.indicators
        .iter()
        .map(|ind| f(&i.dimensions[ind.dimension].id))
        .collect()
}

#[test]
fn k2022_dimension_weights() {
    let i = instrument_2022();
    // Only input (21.85) full: 21.85 * 100 / 100 = 21.85, red.
    let v = by_dimension(&i, |d| if d == "input" { Level(3) } else { Level(0) });
    assert_eq!(score_product(&i, &v).score, Some(r(2185, 100)));
    assert_eq!(zone(&i, &v), "merah");
    // Proses (32.37) and output (24.24) full: 56.61, yellow.
    let v = by_dimension(&i, |d| match d {
        "proses" | "output" => Level(3),
        _ => Level(0),
    });
    assert_eq!(rounded(&i, &v).as_deref(), Some("56.61"));
    assert_eq!(zone(&i, &v), "kuning");
}

#[test]
fn k2022_dimension_with_nothing_applicable_is_left_out() {
    let i = instrument_2022();
    // Pengaduan all N/A: the remaining weights are 21.85 + 32.37 + 24.24 = 78.46.
    // Input full, the rest 0: 100 * 21.85 / 78.46 = 109250 / 3923 = 27.8485... -> 27.85.
    let v = by_dimension(&i, |d| match d {
        "pengaduan" => NA,
        "input" => Level(3),
        _ => Level(0),
    });
    assert_eq!(score_product(&i, &v).score, Some(r(109250, 3923)));
    assert_eq!(rounded(&i, &v).as_deref(), Some("27.85"));
}

#[test]
fn k2022_mixed_case() {
    let i = instrument_2022();
    // input: pelatihan-pelaksana 3/3 (w 3), pemahaman-standar 0 (w 3), other input N/A:
    //   S_input = 100 * 3 / 6 = 50
    // proses all 3: S = 100;  output all N/A: left out;  pengaduan all 0: S = 0
    // P = (21.85 * 50 + 32.37 * 100 + 21.54 * 0) / (21.85 + 32.37 + 21.54)
    //   = 4329.5 / 75.76 = 57.1475... -> 57.15, yellow.
    let mut v = by_dimension(&i, |d| match d {
        "proses" => Level(3),
        "pengaduan" => Level(0),
        _ => NA,
    });
    v[i.indicator_index("pelatihan-pelaksana").unwrap()] = Level(3);
    v[i.indicator_index("pemahaman-standar").unwrap()] = Level(0);
    assert_eq!(score_product(&i, &v).score, Some(r(432950, 7576)));
    assert_eq!(rounded(&i, &v).as_deref(), Some("57.15"));
    assert_eq!(zone(&i, &v), "kuning");
}

// ---- roll-ups ----

#[test]
fn rollup_by_products_and_by_units() {
    // kepatuhan-2021 rolls up by products, kepatuhan-2022 by units.
    let i21 = instrument_2021();
    let n = i21.indicators.len();
    let full = vec![TICK; n];
    let zero = vec![Level(0); n];
    // Products at 100 and 0 in unit A, one at 100 in unit B.
    let heavy = values(&i21, &[("persyaratan", TICK)]); // 100 * 5 / 94
    let ds = dataset(
        i21.clone(),
        &[vec![vec![full.clone(), zero.clone()], vec![heavy.clone()]]],
    );
    let book = ScoreBook::compute(&ds);
    assert_eq!(book.unit(UnitIx::new(0)).score, Some(r(50, 1)));
    assert_eq!(book.unit(UnitIx::new(1)).score, Some(r(500, 94)));
    // By products: (100 + 0 + 500/94) / 3 = (9400 + 500) / 282 = 9900 / 282 = 35.106... -> 35.11
    assert_eq!(book.agency(&ds, AgencyIx::new(0)).score, Some(r(9900, 282)));
    assert_eq!(
        book.agency(&ds, AgencyIx::new(0)).rounded(),
        Some(Rounded(3511))
    );

    let mut i_units = i21;
    i_units.aggregate = patuh::domain::Aggregate::Units;
    let ds = dataset(i_units, &[vec![vec![full, zero], vec![heavy]]]);
    let book = ScoreBook::compute(&ds);
    // By units: (50 + 500/94) / 2 = (4700 + 500) / 188 = 27.659... -> 27.66
    assert_eq!(book.agency(&ds, AgencyIx::new(0)).score, Some(r(5200, 188)));
    assert_eq!(
        book.agency(&ds, AgencyIx::new(0)).rounded(),
        Some(Rounded(2766))
    );
    assert_eq!(
        book.agency(&ds, AgencyIx::new(0)).answered,
        2 * n as u64 + 1
    );
}

#[test]
fn rollups_use_unrounded_values() {
    let i = instrument_2021();
    // Products at 100 * 5 / 94 = 5.3191... (shown 5.32) and 100 * 1.25 / 94 = 1.3297...
    // (shown 1.33). Unit = mean of the unrounded = 625 / 188 = 3.3244... -> 3.32.
    // Rounding first would give (5.32 + 1.33) / 2 = 3.325 -> 3.33: wrong.
    let p = values(&i, &[("persyaratan", TICK)]);
    let q = values(&i, &[("ruang-bermain-anak", TICK)]);
    let ds = dataset(i, &[vec![vec![p, q]]]);
    let book = ScoreBook::compute(&ds);
    assert_eq!(book.unit(UnitIx::new(0)).score, Some(r(625, 188)));
    assert_eq!(book.unit(UnitIx::new(0)).rounded(), Some(Rounded(332)));
    assert_eq!(
        book.agency(&ds, AgencyIx::new(0)).rounded(),
        Some(Rounded(332))
    );
}

#[test]
fn incremental_update_equals_full_recompute() {
    let i = instrument_2022();
    let n = i.indicators.len();
    let mut ds = dataset(
        i,
        &[
            vec![
                vec![vec![Level(1); n], vec![Level(2); n]],
                vec![vec![Level(3); n]],
            ],
            vec![vec![vec![NA; n]]],
        ],
    );
    let mut book = ScoreBook::compute(&ds);
    for (p, ind, v) in [
        (0, 0, Level(3)),
        (1, 5, NA),
        (3, 2, Level(2)),
        (0, 0, Unanswered),
    ] {
        let p = ProductIx::new(p);
        ds.products[p].values[ind] = v;
        book.update_product(&ds, p);
        let fresh = ScoreBook::compute(&ds);
        for u in ds.units.ids() {
            assert_eq!(book.unit(u), fresh.unit(u));
        }
        for a in ds.agencies.ids() {
            assert_eq!(book.agency(&ds, a), fresh.agency(&ds, a));
        }
    }
}

// ---- path to the next zone ----

#[test]
fn next_zone_takes_the_largest_gains_first() {
    let i = instrument_2021();
    // Nothing answered: 0. Yellow needs 51 -> 100 * t / 94 >= 50.995 -> t >= 47.94.
    // Largest first: the six 5s (30), produk 3.5 (33.5), petugas-pengaduan 3.5 (37),
    // then the 3s: sk-standar (40), prosedur-pengaduan (43), skm (46), then 2.5:
    // jam-layanan (48.5) -> 100 * 48.5 / 94 = 51.60 >= 51. Twelve indicators (46 gives 48.94).
    let none = vec![Unanswered; i.indicators.len()];
    let nz = next_zone(&i, &none).expect("a next zone");
    assert_eq!(i.bands[nz.band].code, "kuning");
    assert_eq!(nz.points, Rounded(5100));
    assert_eq!(
        nz.fulfil.len(),
        12,
        "{:?}",
        nz.fulfil
            .iter()
            .map(|&k| &i.indicators[k].id)
            .collect::<Vec<_>>()
    );
    let ids: Vec<&str> = nz
        .fulfil
        .iter()
        .map(|&k| i.indicators[k].id.as_str())
        .collect();
    assert_eq!(
        &ids[..6],
        &[
            "persyaratan",
            "prosedur",
            "waktu",
            "biaya",
            "maklumat",
            "sarana-pengaduan"
        ]
    );
    // Fulfilling them really lifts the product into yellow.
    let mut v = none.clone();
    for &k in &nz.fulfil {
        v[k] = TICK;
    }
    assert_eq!(zone(&i, &v), "kuning");
    // And one fewer does not (it is the smallest set).
    let mut fewer = none;
    for &k in &nz.fulfil[..nz.fulfil.len() - 1] {
        fewer[k] = TICK;
    }
    assert_eq!(zone(&i, &fewer), "merah");
}

#[test]
fn next_zone_is_none_in_the_top_band_or_without_score() {
    let i = instrument_2021();
    assert_eq!(next_zone(&i, &vec![TICK; i.indicators.len()]), None);
    assert_eq!(next_zone(&i, &vec![NA; i.indicators.len()]), None);
}
