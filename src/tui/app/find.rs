//! Finding things: the checklist's filter (`/`: only the indicators whose id or label
//! has every word typed, and the roles and nodes below whose name has them), the
//! search over everything by name (`:`: agencies, units, products, and the indicators
//! of the node in view), and the jumps to what is still unanswered (`]`, `[`): the next
//! unanswered indicator of the node (of the respondent, in a questionnaire), then the
//! next product of the unit that is not finished.

use super::nav::{Filter, Item, NavDepth, Node, Row, checklist_rows, has_own_checklist, node_rows};
use super::{App, Checklist, Modal, Pane, Screen, Search, Status};
use crate::domain::Value;
use crate::domain::model::{AgencyIx, IndicatorIx, Ix, NodeRef, ProductIx, UnitIx};
use crate::tui::editor::TextArea;

/// How many hits a search lists at most.
pub const MAX_HITS: usize = 200;

/// Something the search found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Agency(AgencyIx),
    Unit(UnitIx),
    Product(ProductIx),
    /// An indicator of the node in view.
    Indicator(NodeRef, IndicatorIx),
}

/// Where a product stands: what the product list says of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductState {
    NotStarted,
    InProgress,
    Complete,
    Final,
}

impl App {
    /// The rows of a checklist as shown: all, or with a filter the indicators (roles,
    /// nodes below) that pass it under their headings.
    pub fn rows(&self, c: &Checklist) -> Vec<Row> {
        let instrument = self.ds.instrument_of(c.node);
        let all = node_rows(&self.ds, c.node, c.respondent);
        if c.filter.trim().is_empty() {
            return all;
        }
        let filter = Filter::new(&c.filter);
        let passes = |r: Row| match r {
            Row::Indicator(i) => {
                let ind = &instrument.indicators[i.index()];
                filter.matches(&ind.id, &ind.label.id)
                    || ind
                        .label
                        .en
                        .as_deref()
                        .is_some_and(|en| filter.matches(&ind.id, en))
            }
            Row::Role(role) => instrument.roles.get(role.index()).is_some_and(|x| {
                filter.matches(&x.id, &x.label.id)
                    || x.label
                        .en
                        .as_deref()
                        .is_some_and(|en| filter.matches(&x.id, en))
            }),
            Row::Child(node) => filter.matches(self.node_code(node), self.node_name(node)),
            Row::Dimension(_) | Row::Below => false,
        };
        let mut out = Vec::new();
        let mut heading = None;
        for r in all {
            match r {
                Row::Dimension(_) | Row::Below => heading = Some(r),
                r if passes(r) => {
                    if let Some(h) = heading.take() {
                        out.push(h);
                    }
                    out.push(r);
                }
                _ => {}
            }
        }
        out
    }

    /// The indicators of a checklist as shown, in order.
    pub fn shown_indicators(&self, c: &Checklist) -> Vec<IndicatorIx> {
        self.rows(c)
            .into_iter()
            .filter_map(|r| match r {
                Row::Indicator(i) => Some(i),
                _ => None,
            })
            .collect()
    }

    /// The filter being typed: the checklist's, or the navigator list's.
    pub(super) fn filter_text(&self) -> &str {
        match &self.screen {
            Screen::Checklist(c) => &c.filter,
            _ => &self.nav_top().filter,
        }
    }

    /// Sets the filter of the list in view and shows what passes it, keeping the
    /// highlighted item when it passes (else the first that does).
    pub(super) fn set_filter(&mut self, text: String) {
        match &mut self.screen {
            Screen::Checklist(c) => {
                c.filter = text;
                c.offset = 0;
                let c = c.clone();
                let shown: Vec<Item> = self.rows(&c).iter().filter_map(|r| r.item()).collect();
                if !shown.contains(&c.at)
                    && let Some(&first) = shown.first()
                    && let Screen::Checklist(c) = &mut self.screen
                {
                    c.at = first;
                    c.detail_scroll = 0;
                    self.load_evidence();
                }
                self.keep_in_view();
            }
            _ => {
                self.nav_mut().filter = text;
                self.apply_filter();
            }
        }
    }

    /// The indicators of a product still unanswered, in the checklist's order.
    pub fn unanswered(&self, p: ProductIx) -> Vec<IndicatorIx> {
        let product = &self.ds.products[p];
        checklist_rows(self.ds.instrument_of_product(p))
            .into_iter()
            .filter_map(|r| match r {
                Row::Indicator(i) if product.value(i) == Value::Unanswered => Some(i),
                _ => None,
            })
            .collect()
    }

    /// Not started, in progress, complete or final.
    pub fn product_state(&self, p: ProductIx) -> ProductState {
        let s = self.book.product_summary(p);
        if self.ds.products[p].finalized {
            ProductState::Final
        } else if s.answered == 0 {
            ProductState::NotStarted
        } else if s.answered < s.total {
            ProductState::InProgress
        } else {
            ProductState::Complete
        }
    }

    /// Whether a product has something to answer: not finalized, not complete.
    fn unfinished(&self, p: ProductIx) -> bool {
        // A product of an instrument that answers nothing per product has nothing to
        // answer (format 1 products always have).
        self.book.product(p).total > 0
            && matches!(
                self.product_state(p),
                ProductState::NotStarted | ProductState::InProgress
            )
    }

    /// `]` (`forward`) or `[`: on a checklist, the next (previous) unanswered indicator
    /// of the product, else the next (previous) product of its unit that is not
    /// finished; on the lists and the dashboard, the first product not finished of the
    /// item highlighted.
    pub(super) fn jump_unanswered(&mut self, forward: bool) {
        if let Some(c) = self.checklist().cloned() {
            let node = c.node;
            if !self.ds.finalized(node) {
                // Forward from the cursor, round the checklist (the filter's rows only).
                let open: Vec<IndicatorIx> = match c.respondent {
                    Some(r) => self.questions_open(node, r),
                    None => self.unanswered_at(node),
                };
                let mut order = self.shown_indicators(&c);
                if !forward {
                    order.reverse();
                }
                let at = order
                    .iter()
                    .position(|&i| Some(i) == c.indicator())
                    .map_or(0, |k| k + 1);
                let next = order[at.min(order.len())..]
                    .iter()
                    .chain(&order[..at.saturating_sub(1).min(order.len())])
                    .copied()
                    .find(|i| open.contains(i));
                if let Some(i) = next {
                    self.go_to_indicator(i);
                    return;
                }
            }
            // Nothing left here: the unit's next product with something to answer.
            let (u, p) = match node {
                NodeRef::Product(p) => (self.ds.products[p].unit, Some(p)),
                NodeRef::Unit(u) => (u, None),
                NodeRef::Agency(a) => {
                    let first = self
                        .products_of(Node::Agency(a), forward)
                        .into_iter()
                        .find(|&q| self.unfinished(q));
                    match first {
                        Some(q) => self.open_unanswered(q, forward),
                        None => self.status = Status::Info(self.t().nothing_unanswered().into()),
                    }
                    return;
                }
            };
            let products = &self.ds.units[u].products;
            let at = p
                .and_then(|p| products.iter().position(|&x| x == p))
                .map_or(0, |k| k + 1);
            let mut after: Vec<ProductIx> = products[at..]
                .iter()
                .chain(&products[..at.saturating_sub(1)])
                .copied()
                .collect();
            if !forward {
                after.reverse();
            }
            match after.into_iter().find(|&q| self.unfinished(q)) {
                Some(q) => self.open_unanswered(q, forward),
                None => {
                    let unit = crate::domain::text::sanitize(&self.ds.units[u].code).into_owned();
                    self.status = Status::Info(self.t().unit_done(&unit));
                }
            }
            return;
        }
        let candidates: Vec<ProductIx> = match &self.screen {
            Screen::Dashboard(d) => d
                .ranking
                .get(d.selected)
                .map(|&a| self.products_of(Node::Agency(a), forward))
                .unwrap_or_default(),
            Screen::Roster(r) => self.products_of(
                match r.node {
                    NodeRef::Agency(a) => Node::Agency(a),
                    NodeRef::Unit(u) => Node::Unit(u),
                    NodeRef::Product(p) => Node::Product(p),
                },
                forward,
            ),
            _ => match self.nav_top().current() {
                Some(Node::Product(p)) => {
                    // This product, else the next (previous) ones of its unit.
                    let products = &self.ds.units[self.ds.products[p].unit].products;
                    let at = products.iter().position(|&x| x == p).unwrap_or(0);
                    let mut round: Vec<ProductIx> = products[at + 1..]
                        .iter()
                        .chain(&products[..at])
                        .copied()
                        .collect();
                    if !forward {
                        round.reverse();
                    }
                    std::iter::once(p).chain(round).collect()
                }
                Some(node) => self.products_of(node, forward),
                None => Vec::new(),
            },
        };
        match candidates.into_iter().find(|&q| self.unfinished(q)) {
            Some(q) => self.open_unanswered(q, forward),
            None => self.status = Status::Info(self.t().nothing_unanswered().into()),
        }
    }

    /// Every product under a navigator item, in order (`forward`) or from the last.
    fn products_of(&self, node: Node, forward: bool) -> Vec<ProductIx> {
        let mut out: Vec<ProductIx> = match node {
            Node::Product(p) => vec![p],
            Node::Unit(u) => self.ds.units[u].products.clone(),
            Node::Agency(a) => self.ds.agencies[a]
                .units
                .iter()
                .flat_map(|&u| self.ds.units[u].products.iter().copied())
                .collect(),
        };
        if !forward {
            out.reverse();
        }
        out
    }

    /// Opens a product's checklist on its first (`first`) or last unanswered
    /// indicator, and says how many are left.
    fn open_unanswered(&mut self, p: ProductIx, first: bool) {
        let missing = self.unanswered(p);
        let at = if first {
            missing.first()
        } else {
            missing.last()
        };
        self.show_checklist(p, at.copied());
        let code = crate::domain::text::sanitize(&self.ds.products[p].code).into_owned();
        self.status = Status::Info(self.t().next_product(&code, missing.len()));
    }

    /// Moves the checklist's cursor to an indicator.
    pub(super) fn go_to_indicator(&mut self, i: IndicatorIx) {
        if let Screen::Checklist(c) = &mut self.screen {
            if c.at == Item::Indicator(i) {
                return;
            }
            c.at = Item::Indicator(i);
            c.detail_scroll = 0;
            c.focus = Pane::List;
            self.load_evidence();
            self.keep_in_view();
        }
    }

    pub(super) fn start_search(&mut self) {
        let node = match &self.screen {
            Screen::Checklist(c) => Some(c.node),
            _ => self.highlighted_product().map(NodeRef::Product),
        };
        self.modal = Modal::Search(Search {
            input: TextArea::new("", false),
            hits: Vec::new(),
            selected: 0,
            node,
        });
    }

    /// Runs the search again for what is typed now.
    pub(super) fn search_again(&mut self) {
        let Modal::Search(search) = &self.modal else {
            return;
        };
        let query = search.input.text();
        let hits = if query.trim().is_empty() {
            Vec::new()
        } else {
            self.search(&query, search.node)
        };
        if let Modal::Search(search) = &mut self.modal {
            search.hits = hits;
            search.selected = 0;
        }
    }

    /// What matches `query` (every word, in the code or the name, case and accents
    /// ignored): agencies, units, products, then the indicators of `node`; at most
    /// [`MAX_HITS`].
    pub fn search(&self, query: &str, node: Option<NodeRef>) -> Vec<Hit> {
        let f = Filter::new(query);
        let ds = &self.ds;
        let mut hits = Vec::new();
        if let Some(p) = node {
            let inst = ds.instrument_of(p);
            for r in node_rows(ds, p, None) {
                if let Row::Indicator(i) = r {
                    let ind = &inst.indicators[i.index()];
                    if f.matches(&ind.id, &ind.label.id)
                        || ind
                            .label
                            .en
                            .as_deref()
                            .is_some_and(|en| f.matches(&ind.id, en))
                    {
                        hits.push(Hit::Indicator(p, i));
                    }
                }
            }
        }
        let named = ds
            .agencies
            .iter_enumerated()
            .filter(|(_, a)| f.matches(&a.code, &a.name))
            .map(|(a, _)| Hit::Agency(a))
            .chain(
                ds.units
                    .iter_enumerated()
                    .filter(|(_, u)| f.matches(&u.code, &u.name))
                    .map(|(u, _)| Hit::Unit(u)),
            )
            .chain(
                ds.products
                    .iter_enumerated()
                    .filter(|(_, p)| f.matches(&p.code, &p.name))
                    .map(|(p, _)| Hit::Product(p)),
            );
        // The indicators of the product in view first: that is where the assessor is.
        hits.extend(named);
        hits.truncate(MAX_HITS);
        hits
    }

    /// Enter in the search: goes to what is highlighted — an agency's units, a unit's
    /// products, a product's checklist, an indicator in its checklist.
    pub(super) fn jump_to_hit(&mut self, search: Search) {
        let Some(&hit) = search.hits.get(search.selected) else {
            self.modal = Modal::Search(search);
            return;
        };
        match hit {
            Hit::Agency(a) if has_own_checklist(&self.ds, NodeRef::Agency(a)) => {
                self.show_node(NodeRef::Agency(a), None)
            }
            Hit::Unit(u) if has_own_checklist(&self.ds, NodeRef::Unit(u)) => {
                self.show_node(NodeRef::Unit(u), None)
            }
            Hit::Agency(a) => {
                self.screen = Screen::Navigator;
                let mut agencies = self.level(NavDepth::Agencies);
                agencies.selected = agencies
                    .shown
                    .iter()
                    .position(|&x| x == Node::Agency(a))
                    .unwrap_or(0);
                self.nav = vec![agencies];
                self.back_to_dashboard = None;
                let l = self.level(NavDepth::Units(a));
                self.nav.push(l);
            }
            Hit::Unit(u) => {
                let products = &self.ds.units[u].products;
                match products.first() {
                    Some(&p) => {
                        self.screen = Screen::Navigator;
                        self.reveal_product(p);
                    }
                    None => {
                        // A unit without products: its agency's units, on it.
                        let a = self.ds.units[u].agency;
                        self.screen = Screen::Navigator;
                        let mut agencies = self.level(NavDepth::Agencies);
                        agencies.selected = agencies
                            .shown
                            .iter()
                            .position(|&x| x == Node::Agency(a))
                            .unwrap_or(0);
                        let mut units = self.level(NavDepth::Units(a));
                        units.selected = units
                            .shown
                            .iter()
                            .position(|&x| x == Node::Unit(u))
                            .unwrap_or(0);
                        self.nav = vec![agencies, units];
                    }
                }
            }
            Hit::Product(p) => self.show_checklist(p, None),
            Hit::Indicator(node, i) => match &mut self.screen {
                Screen::Checklist(c) if c.node == node && c.respondent.is_none() => {
                    c.filter.clear();
                    self.go_to_indicator(i);
                    self.keep_in_view();
                }
                _ => self.show_node(node, Some(Item::Indicator(i))),
            },
        }
        self.keep_in_view();
    }
}
