//! The instruments and the demo assignment built into the binary, so that `patuh init`
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
];

/// The demo assignment: agencies, units and products of Maluku province.
pub const DEMO_ASSIGNMENT: (&str, &str) =
    ("maluku.json", include_str!("../fixtures/demo/maluku.json"));
