use std::time::Instant;
fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).unwrap());
    let t = Instant::now();
    let store = patuh::store::Store::open(&path).unwrap();
    println!("open {:?}", t.elapsed());
    let t = Instant::now();
    let ds = store.load().unwrap();
    println!("load {:?}", t.elapsed());
    let t = Instant::now();
    let scores: Vec<_> = (0..ds.products.len()).map(|p| patuh::domain::scoring::score_product(ds.instrument_of_product(p), &ds.products[p].values)).collect();
    println!("products only {:?}", t.elapsed());
    let t = Instant::now();
    let mut sum = num_rational::BigRational::from_integer(0.into());
    for s in &scores { if let Some(x) = &s.score { sum += x; } }
    println!("sum all {:?} denom bits {}", t.elapsed(), sum.denom().bits());
    let t = Instant::now();
    let book = patuh::domain::model::ScoreBook::compute(&ds);
    println!("compute {:?}", t.elapsed());
    let t = Instant::now();
    let mut n = 0;
    for a in 0..ds.agencies.len() { if book.agency(&ds, a).rounded().is_some() { n += 1; } }
    println!("agency means {:?} {n}", t.elapsed());
}
#[allow(dead_code)]
fn _x() {}
