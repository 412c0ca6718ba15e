//! The instruments and the demo assignments built into the binary, so that `patuh init`
//! and `patuh demo` work with no files around. Instruments remain data: any other one
//! is loaded with `patuh instrument import`.

/// (file name, content) of every shipped instrument.
pub const INSTRUMENTS: &[(&str, &str)] = &[
    (
        "kepatuhan-2021.json",
        include_str!("../fixtures/instruments/kepatuhan-2021.json"),
    ),
    (
        "kepatuhan-2022.json",
        include_str!("../fixtures/instruments/kepatuhan-2022.json"),
    ),
    (
        "kepatuhan-2024.json",
        include_str!("../fixtures/instruments/kepatuhan-2024.json"),
    ),
    (
        "opini-2025.json",
        include_str!("../fixtures/instruments/opini-2025.json"),
    ),
];

/// The demo assignment: agencies, units and products of Maluku province (the
/// 2013-2021 method).
pub const DEMO_ASSIGNMENT: (&str, &str) =
    ("maluku.json", include_str!("../fixtures/demo/maluku.json"));

/// Every demo assignment, in the order `patuh demo` imports them: Maluku with the
/// 2021 instrument, Bengkulu (the province and Kabupaten Rejang Lebong) with the
/// 2022-2024 one (unit- and agency-level dimensions, respondents, categories A-E).
pub const DEMO_ASSIGNMENTS: &[(&str, &str)] = &[
    DEMO_ASSIGNMENT,
    (
        "bengkulu.json",
        include_str!("../fixtures/demo/bengkulu.json"),
    ),
];
