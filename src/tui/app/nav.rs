//! Moving around: the navigator's levels (agencies -> units -> products), its
//! incremental filter, the checklist's rows (with the heading of the dimension at the
//! top kept in view) and the dashboard's ranking. Every list is scrolled so that its
//! selection is visible and, after a resize, so that it fills the space it has.
//!
//! A unit or an agency whose instrument has indicators of its own (format 2) opens on
//! its own checklist, which lists its roles (each opening its roster), its indicators
//! and, below them, the nodes below it (a unit's products, an agency's units); going
//! back climbs the same way: questionnaire -> roster -> the node's checklist -> the
//! checklist (or the navigator list) above it.

use std::cmp::Ordering;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::{App, Checklist, Dashboard, Modal, Pane, Roster, Screen, Status};
use crate::domain::Instrument;
use crate::domain::model::{
    AgencyIx, Dataset, IndicatorIx, Ix, IxVec, NodeRef, ProductIx, RespondentIx, RoleIx, UnitIx,
};
use crate::tui::effect::Effect;
use crate::tui::layout;

/// What one navigator level lists (how deep in the tree it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NavDepth {
    Agencies,
    /// The units of an agency.
    Units(AgencyIx),
    /// The products of a unit.
    Products(UnitIx),
}

/// An item of the navigator, saying what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Agency(AgencyIx),
    Unit(UnitIx),
    Product(ProductIx),
}

/// One level of the navigator with its filter, selection and scroll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLevel {
    pub depth: NavDepth,
    pub filter: String,
    /// The items that pass the filter.
    pub shown: Vec<Node>,
    /// Index into `shown`.
    pub selected: usize,
    pub offset: usize,
}

impl NavLevel {
    pub fn current(&self) -> Option<Node> {
        self.shown.get(self.selected).copied()
    }
}

/// Text folded for matching: decomposed, accents dropped, lower case, so that
/// "kantor", "KANTOR" and "Kantór" match each other.
pub fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// The navigator's filter: an item passes when every word of the query appears in its
/// code or name, compared folded (see [`fold`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    words: Vec<String>,
}

impl Filter {
    pub fn new(query: &str) -> Filter {
        Filter {
            words: fold(query).split_whitespace().map(str::to_string).collect(),
        }
    }

    pub fn matches(&self, code: &str, name: &str) -> bool {
        if self.words.is_empty() {
            return true;
        }
        // ASCII text folds to its lower case: compare in place instead of building a
        // folded copy of every item at every keystroke (a nation has 39,000 products).
        // A word has no space, so it cannot match across the code and the name.
        if code.is_ascii() && name.is_ascii() {
            return self
                .words
                .iter()
                .all(|w| contains_ascii_folded(code, w) || contains_ascii_folded(name, w));
        }
        let hay = fold(&format!("{code} {name}"));
        self.words.iter().all(|w| hay.contains(w.as_str()))
    }
}

/// Whether ASCII `hay` contains the folded (lower-case) `word`, ignoring ASCII case.
fn contains_ascii_folded(hay: &str, word: &str) -> bool {
    let (hay, word) = (hay.as_bytes(), word.as_bytes());
    word.len() <= hay.len()
        && hay
            .windows(word.len())
            .any(|w| w.eq_ignore_ascii_case(word))
}

/// A row of the checklist: a heading, an indicator, a role or a node below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    /// A dimension, by its position in the instrument's dimensions.
    Dimension(usize),
    Indicator(IndicatorIx),
    /// A role interviewed at the node (format 2): opens its roster.
    Role(RoleIx),
    /// The heading of the nodes below (a unit's products, an agency's units).
    Below,
    /// A node below the checklist's node: opens it.
    Child(NodeRef),
}

impl Row {
    /// What the cursor rests on at this row (None: a heading).
    pub fn item(self) -> Option<Item> {
        match self {
            Row::Indicator(i) => Some(Item::Indicator(i)),
            Row::Role(r) => Some(Item::Role(r)),
            Row::Child(n) => Some(Item::Child(n)),
            Row::Dimension(_) | Row::Below => None,
        }
    }

    pub fn is_heading(self) -> bool {
        matches!(self, Row::Dimension(_) | Row::Below)
    }
}

/// What the checklist's cursor rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Indicator(IndicatorIx),
    Role(RoleIx),
    Child(NodeRef),
}

impl Item {
    pub fn indicator(self) -> Option<IndicatorIx> {
        match self {
            Item::Indicator(i) => Some(i),
            _ => None,
        }
    }
}

/// The checklist's rows: each dimension followed by its indicators.
pub fn checklist_rows(instrument: &Instrument) -> Vec<Row> {
    let mut rows = Vec::with_capacity(instrument.dimensions.len() + instrument.indicators.len());
    for d in 0..instrument.dimensions.len() {
        rows.push(Row::Dimension(d));
        rows.extend(
            instrument
                .indicators
                .iter()
                .enumerate()
                .filter(|(_, ind)| ind.dimension == d)
                .map(|(i, _)| Row::Indicator(IndicatorIx::new(i))),
        );
    }
    rows
}

/// The rows of a node's checklist: the nodes below it (a unit's products, an agency's
/// units: in view beside its own checklist when it opens); then the dimensions answered
/// at its level, each followed by its indicators, a role's row before the first
/// indicator it is asked. For a respondent's questionnaire (`respondent`): only the
/// questions its role is asked. For a product of a format-1 instrument this is
/// [`checklist_rows`].
pub fn node_rows(ds: &Dataset, node: NodeRef, respondent: Option<RespondentIx>) -> Vec<Row> {
    let instrument = ds.instrument_of(node);
    let level = node.level();
    let role = respondent
        .and_then(|r| ds.respondent(node, r))
        .map(|r| r.role);
    if respondent.is_some() && role.is_none() {
        return Vec::new(); // a respondent no longer there (a reload)
    }
    let mut rows = Vec::with_capacity(instrument.dimensions.len() + instrument.indicators.len());
    if role.is_none() {
        let below = children(ds, node);
        if !below.is_empty() {
            rows.push(Row::Below);
            rows.extend(below.into_iter().map(Row::Child));
        }
    }
    let mut roles_shown = vec![false; instrument.roles.len()];
    for (d, dim) in instrument.dimensions.iter().enumerate() {
        if dim.level != level {
            continue;
        }
        let indicators: Vec<usize> = (0..instrument.indicators.len())
            .filter(|&i| instrument.indicators[i].dimension == d)
            .filter(|&i| role.is_none() || instrument.indicators[i].source.role() == role)
            .collect();
        if role.is_some() && indicators.is_empty() {
            continue;
        }
        rows.push(Row::Dimension(d));
        for i in indicators {
            if role.is_none()
                && let Some(r) = instrument.indicators[i].source.role()
                && let Some(shown) = roles_shown.get_mut(r)
                && !*shown
            {
                *shown = true;
                rows.push(Row::Role(RoleIx::new(r)));
            }
            rows.push(Row::Indicator(IndicatorIx::new(i)));
        }
    }
    rows
}

/// The nodes right below a node: an agency's units, a unit's products.
pub fn children(ds: &Dataset, node: NodeRef) -> Vec<NodeRef> {
    match node {
        NodeRef::Agency(a) => ds.agencies[a]
            .units
            .iter()
            .map(|&u| NodeRef::Unit(u))
            .collect(),
        NodeRef::Unit(u) => ds.units[u]
            .products
            .iter()
            .map(|&p| NodeRef::Product(p))
            .collect(),
        NodeRef::Product(_) => Vec::new(),
    }
}

/// Whether a node opens on a checklist of its own: a product always; a unit or an
/// agency when its instrument has indicators answered at its level (format 2).
pub fn has_own_checklist(ds: &Dataset, node: NodeRef) -> bool {
    match node {
        NodeRef::Product(_) => true,
        _ => ds
            .instrument_of(node)
            .indicators_at(node.level())
            .next()
            .is_some(),
    }
}

pub(super) fn clamp_move(current: usize, delta: i64, len: usize) -> usize {
    if len == 0 {
        return 0;
    }
    (current as i64)
        .saturating_add(delta)
        .clamp(0, len as i64 - 1) as usize
}

/// The first row of the checklist to show so that `row` is visible, a dimension's
/// first indicator with its heading, and the list filled to its end when it can be.
/// With an indicator at the top its dimension's heading is drawn over the first line
/// (it stays in view): then one row fewer of the list is shown.
pub fn checklist_offset(rows: &[Row], row: usize, offset: usize, page: usize) -> usize {
    let page = page.max(2);
    let shown = |off: usize| match rows.get(off) {
        Some(r) if !r.is_heading() => page - 1,
        _ => page,
    };
    let mut off = scroll_to(offset, row, page - 1);
    // The heading of a dimension's first indicator comes into view with it.
    if row > 0 && rows[row - 1].is_heading() && row - 1 < off {
        off = row - 1;
    }
    // Filled to the end: no blank lines below the last row while there are rows above.
    off = off.min(rows.len().saturating_sub(page));
    while off < row && row >= off + shown(off) {
        off += 1;
    }
    off
}

pub(super) fn scroll_to(offset: usize, row: usize, page: usize) -> usize {
    let page = page.max(1);
    if row < offset {
        row
    } else if row >= offset + page {
        row + 1 - page
    } else {
        offset
    }
}

impl App {
    /// A navigator level with everything shown.
    pub(super) fn level(&self, depth: NavDepth) -> NavLevel {
        let mut l = NavLevel {
            depth,
            filter: String::new(),
            shown: Vec::new(),
            selected: 0,
            offset: 0,
        };
        l.shown = self.items(depth);
        l
    }

    fn items(&self, level: NavDepth) -> Vec<Node> {
        match level {
            NavDepth::Agencies => self.ds.agencies.ids().map(Node::Agency).collect(),
            NavDepth::Units(a) => self.ds.agencies[a]
                .units
                .iter()
                .map(|&u| Node::Unit(u))
                .collect(),
            NavDepth::Products(u) => self.ds.units[u]
                .products
                .iter()
                .map(|&p| Node::Product(p))
                .collect(),
        }
    }

    /// Code and name of a navigator item.
    pub fn item_text(&self, node: Node) -> (&str, &str) {
        match node {
            Node::Agency(a) => (&self.ds.agencies[a].code, &self.ds.agencies[a].name),
            Node::Unit(u) => (&self.ds.units[u].code, &self.ds.units[u].name),
            Node::Product(p) => (&self.ds.products[p].code, &self.ds.products[p].name),
        }
    }

    pub fn nav_top(&self) -> &NavLevel {
        self.nav.last().expect("the navigator always has a level")
    }

    pub(super) fn nav_mut(&mut self) -> &mut NavLevel {
        self.nav
            .last_mut()
            .expect("the navigator always has a level")
    }

    /// The product under the cursor: the checklist's, or the navigator's product row.
    pub fn highlighted_product(&self) -> Option<ProductIx> {
        match &self.screen {
            Screen::Checklist(c) => match c.node {
                NodeRef::Product(p) => Some(p),
                _ => None,
            },
            Screen::Dashboard(_) | Screen::Roster(_) => None,
            Screen::Navigator => match self.nav_top().current() {
                Some(Node::Product(p)) => Some(p),
                _ => None,
            },
        }
    }

    /// The node whose changes the keys are about: the checklist's or the roster's
    /// node, or the navigator's product row.
    pub fn node_in_view(&self) -> Option<NodeRef> {
        match &self.screen {
            Screen::Checklist(c) => Some(c.node),
            Screen::Roster(r) => Some(r.node),
            _ => self.highlighted_product().map(NodeRef::Product),
        }
    }

    /// The agency, unit and product in context (for the score panel and the status
    /// bar).
    pub fn context(&self) -> (Option<AgencyIx>, Option<UnitIx>, Option<ProductIx>) {
        let of = |node: NodeRef| {
            (
                Some(self.ds.agency_of(node)),
                self.ds.unit_of(node),
                match node {
                    NodeRef::Product(p) => Some(p),
                    _ => None,
                },
            )
        };
        match &self.screen {
            Screen::Dashboard(d) => return (d.ranking.get(d.selected).copied(), None, None),
            Screen::Checklist(c) => return of(c.node),
            Screen::Roster(r) => return of(r.node),
            Screen::Navigator => {}
        }
        if let Some(p) = self.highlighted_product() {
            return of(NodeRef::Product(p));
        }
        let top = self.nav_top();
        match (top.depth, top.current()) {
            (NavDepth::Agencies, Some(Node::Agency(a))) => (Some(a), None, None),
            (NavDepth::Agencies, _) => (None, None, None),
            (NavDepth::Units(a), Some(Node::Unit(u))) => (Some(a), Some(u), None),
            (NavDepth::Units(a), _) => (Some(a), None, None),
            (NavDepth::Products(u), _) => (Some(self.ds.units[u].agency), Some(u), None),
        }
    }

    /// Rows of the current list that fit on the screen.
    pub fn page(&self) -> usize {
        let area = layout::frame(self.size, self.status_rows()).main;
        match &self.screen {
            Screen::Navigator => layout::nav_rows(area).height as usize,
            Screen::Checklist(c) if c.focus == Pane::Detail => {
                layout::checklist(area).1.height.saturating_sub(2) as usize
            }
            Screen::Checklist(_) => layout::checklist(area).0.height.saturating_sub(2) as usize,
            Screen::Roster(_) => layout::roster(area).height as usize,
            Screen::Dashboard(_) => layout::dashboard(area).2.height.saturating_sub(3) as usize,
        }
        .max(1)
    }

    pub(super) fn move_by(&mut self, delta: i64) {
        if !matches!(self.modal, Modal::None | Modal::Filter) {
            return;
        }
        let rows = self.checklist().map(|c| self.rows(c));
        let roster_len = match &self.screen {
            Screen::Roster(r) => self.roster_rows(r).len(),
            _ => 0,
        };
        match &mut self.screen {
            Screen::Navigator => {
                let top = self.nav.last_mut().expect("navigator level");
                top.selected = clamp_move(top.selected, delta, top.shown.len());
            }
            Screen::Dashboard(d) => d.selected = clamp_move(d.selected, delta, d.ranking.len()),
            Screen::Roster(r) => r.selected = clamp_move(r.selected, delta, roster_len),
            Screen::Checklist(c) if c.focus == Pane::Detail => {
                c.detail_scroll = (i64::from(c.detail_scroll) + delta).clamp(0, 2000) as u16;
            }
            Screen::Checklist(c) => {
                let order: Vec<Item> = rows
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|r| r.item())
                    .collect();
                let at = order.iter().position(|&i| i == c.at).unwrap_or(0);
                let next = order.get(clamp_move(at, delta, order.len())).copied();
                if let Some(i) = next
                    && i != c.at
                {
                    c.at = i;
                    c.detail_scroll = 0;
                    self.load_evidence();
                }
            }
        }
        self.keep_in_view();
    }

    /// After an answer: the cursor to the next indicator shown that takes an answer
    /// where it is (on a unit's or an agency's checklist an observation: interviews are
    /// answered in the questionnaires, data with Enter). False: there is none below.
    pub(super) fn advance_cursor(&mut self) -> bool {
        let Some(c) = self.checklist() else {
            return false;
        };
        if c.focus == Pane::Detail {
            // The details have the keys: they scroll on, as they always did.
            self.move_by(1);
            return true;
        }
        let rows = self.rows(c);
        let (node, questionnaire, at) = (c.node, c.respondent.is_some(), c.at);
        let instrument = self.ds.instrument_of(node);
        let takes = |i: IndicatorIx| {
            questionnaire
                || matches!(
                    instrument.indicators[i.index()].source,
                    crate::domain::instrument::Source::Observation
                )
        };
        let Some(here) = rows.iter().position(|r| r.item() == Some(at)) else {
            return false;
        };
        let next = rows[here + 1..]
            .iter()
            .filter_map(|r| r.item().and_then(Item::indicator))
            .find(|&i| takes(i));
        match next {
            Some(i) => {
                self.go_to_indicator(i);
                true
            }
            None => false,
        }
    }

    /// The checklist on screen, if it is.
    pub fn checklist(&self) -> Option<&Checklist> {
        match &self.screen {
            Screen::Checklist(c) => Some(c),
            _ => None,
        }
    }

    /// Scrolls the current list so that its selection is visible and, as far as it
    /// goes, the list fills its space (after a resize to a larger terminal).
    pub(super) fn keep_in_view(&mut self) {
        let page = self.page();
        let rows = self.checklist().map(|c| self.rows(c));
        let roster_len = match &self.screen {
            Screen::Roster(r) => self.roster_rows(r).len(),
            _ => 0,
        };
        match &mut self.screen {
            Screen::Navigator => {
                let top = self.nav.last_mut().expect("navigator level");
                top.offset = scroll_to(top.offset, top.selected, page)
                    .min(top.shown.len().saturating_sub(page));
            }
            Screen::Dashboard(d) => {
                d.offset =
                    scroll_to(d.offset, d.selected, page).min(d.ranking.len().saturating_sub(page))
            }
            Screen::Roster(r) => {
                r.selected = r.selected.min(roster_len.saturating_sub(1));
                r.offset =
                    scroll_to(r.offset, r.selected, page).min(roster_len.saturating_sub(page));
            }
            Screen::Checklist(c) => {
                if c.focus == Pane::Detail {
                    return;
                }
                let rows = rows.unwrap_or_default();
                let row = rows
                    .iter()
                    .position(|r| r.item() == Some(c.at))
                    .unwrap_or(0);
                c.offset = checklist_offset(&rows, row, c.offset, page);
            }
        }
    }

    pub(super) fn open(&mut self) {
        match &self.screen {
            Screen::Navigator => match self.nav_top().current() {
                None => return,
                Some(Node::Agency(a)) if has_own_checklist(&self.ds, NodeRef::Agency(a)) => {
                    self.show_node(NodeRef::Agency(a), None)
                }
                Some(Node::Unit(u)) if has_own_checklist(&self.ds, NodeRef::Unit(u)) => {
                    self.show_node(NodeRef::Unit(u), None)
                }
                Some(Node::Agency(a)) => {
                    let l = self.level(NavDepth::Units(a));
                    self.nav.push(l);
                }
                Some(Node::Unit(u)) => {
                    let l = self.level(NavDepth::Products(u));
                    self.nav.push(l);
                }
                Some(Node::Product(p)) => self.show_checklist(p, None),
            },
            Screen::Dashboard(d) => {
                if let Some(&a) = d.ranking.get(d.selected) {
                    // Back from the agency's units returns to the dashboard.
                    let back = d.clone();
                    if has_own_checklist(&self.ds, NodeRef::Agency(a)) {
                        self.show_node(NodeRef::Agency(a), None);
                    } else {
                        let mut agencies = self.level(NavDepth::Agencies);
                        agencies.selected = agencies
                            .shown
                            .iter()
                            .position(|&x| x == Node::Agency(a))
                            .unwrap_or(0);
                        self.nav = vec![agencies];
                        self.screen = Screen::Navigator;
                        let l = self.level(NavDepth::Units(a));
                        self.nav.push(l);
                    }
                    self.back_to_dashboard = Some(back);
                }
            }
            Screen::Checklist(c) => match c.at {
                Item::Role(role) if c.respondent.is_none() => {
                    let node = c.node;
                    self.show_roster(node, role, None);
                }
                Item::Child(node) if c.respondent.is_none() => self.open_node(node),
                Item::Indicator(i) if c.respondent.is_none() && self.is_data(c.node, i) => {
                    self.open_data(c.node, i)
                }
                // An interview indicator: the roster of the role that answers it.
                Item::Indicator(i)
                    if c.respondent.is_none()
                        && self.indicator_def(c.node, i).source.role().is_some() =>
                {
                    let node = c.node;
                    if let Some(role) = self.indicator_def(node, i).source.role() {
                        self.show_roster(node, RoleIx::new(role), None);
                    }
                }
                _ => self.status = Status::Info(self.t().checklist_enter_hint(&self.keymap)),
            },
            Screen::Roster(r) => {
                let r = r.clone();
                match self.roster_rows(&r).get(r.selected).copied() {
                    Some(Some(resp)) => self.show_questionnaire(r.node, resp),
                    Some(None) => self.ask_respondent(r.node, r.role),
                    None => {}
                }
            }
        }
        self.keep_in_view();
    }

    /// Opens a node: a product's checklist; a unit's or an agency's own checklist when
    /// it has one, else the list below it in the navigator.
    pub(super) fn open_node(&mut self, node: NodeRef) {
        match node {
            NodeRef::Product(p) => self.show_checklist(p, None),
            _ if has_own_checklist(&self.ds, node) => self.show_node(node, None),
            NodeRef::Agency(a) => {
                self.screen = Screen::Navigator;
                self.reveal(NodeRef::Agency(a));
                let l = self.level(NavDepth::Units(a));
                self.nav.push(l);
            }
            NodeRef::Unit(u) => {
                self.screen = Screen::Navigator;
                self.reveal(NodeRef::Unit(u));
                let l = self.level(NavDepth::Products(u));
                self.nav.push(l);
            }
        }
    }

    pub(super) fn back(&mut self) {
        match &self.screen {
            Screen::Checklist(c) if !c.filter.is_empty() => self.set_filter(String::new()),
            Screen::Checklist(c) => {
                let (node, respondent) = (c.node, c.respondent);
                match respondent {
                    Some(r) => match self.ds.respondent(node, r).map(|x| RoleIx::new(x.role)) {
                        Some(role) => self.show_roster(node, role, Some(r)),
                        None => self.show_node(node, None),
                    },
                    None => self.leave(node),
                }
            }
            Screen::Roster(r) => {
                let (node, role) = (r.node, r.role);
                self.show_node(node, Some(super::Item::Role(role)));
            }
            Screen::Dashboard(_) => self.screen = Screen::Navigator,
            Screen::Navigator => {
                if !self.nav_top().filter.is_empty() {
                    self.nav_mut().filter.clear();
                    self.apply_filter();
                } else if self.nav.len() == 2
                    && let Some(d) = self.back_to_dashboard.take()
                {
                    // Opened from the dashboard: back to it, as it was.
                    self.nav.pop();
                    self.screen = Screen::Dashboard(d);
                } else if self.nav.len() > 1 {
                    self.nav.pop();
                    // Up to a unit or an agency that has a checklist of its own: to it.
                    let up = match self.nav_top().depth {
                        NavDepth::Units(a) => Some(NodeRef::Agency(a)),
                        NavDepth::Products(u) => Some(NodeRef::Unit(u)),
                        NavDepth::Agencies => None,
                    };
                    if let Some(up) = up
                        && has_own_checklist(&self.ds, up)
                    {
                        let below = match self.nav_top().current() {
                            Some(Node::Unit(u)) => Some(Item::Child(NodeRef::Unit(u))),
                            Some(Node::Product(p)) => Some(Item::Child(NodeRef::Product(p))),
                            _ => None,
                        };
                        self.show_node(up, below);
                    }
                } else {
                    self.status = Status::Info(
                        self.t()
                            .at_top(&self.keymap.key(crate::tui::action::Action::Quit)),
                    );
                }
            }
        }
        self.keep_in_view();
    }

    /// Back from a node's checklist: to the checklist of the node above when it has
    /// one (on this node's row), else to the navigator's list holding this node.
    fn leave(&mut self, node: NodeRef) {
        let above = match node {
            NodeRef::Product(p) => Some(NodeRef::Unit(self.ds.products[p].unit)),
            NodeRef::Unit(u) => Some(NodeRef::Agency(self.ds.units[u].agency)),
            NodeRef::Agency(_) => None,
        };
        match above {
            Some(up) if has_own_checklist(&self.ds, up) => {
                self.show_node(up, Some(Item::Child(node)));
            }
            _ => {
                let back = self.back_to_dashboard.take();
                self.screen = Screen::Navigator;
                self.reveal(node);
                if let (NodeRef::Agency(_), Some(d)) = (node, back) {
                    self.screen = Screen::Dashboard(d);
                }
            }
        }
    }

    /// Points the navigator at a product: agency, unit and product selected.
    pub fn reveal_product(&mut self, p: ProductIx) {
        self.reveal(NodeRef::Product(p));
    }

    /// Points the navigator at a node: the list holding it, and the lists above it,
    /// each with the way down selected.
    pub fn reveal(&mut self, node: NodeRef) {
        let a = self.ds.agency_of(node);
        let at = |l: &NavLevel, node| l.shown.iter().position(|&x| x == node).unwrap_or(0);
        let mut agencies = self.level(NavDepth::Agencies);
        agencies.selected = at(&agencies, Node::Agency(a));
        self.nav = vec![agencies];
        if let Some(u) = self.ds.unit_of(node) {
            let mut units = self.level(NavDepth::Units(a));
            units.selected = at(&units, Node::Unit(u));
            self.nav.push(units);
            if let NodeRef::Product(p) = node {
                let mut products = self.level(NavDepth::Products(u));
                products.selected = at(&products, Node::Product(p));
                self.nav.push(products);
            }
        }
        self.back_to_dashboard = None;
        let screen = std::mem::replace(&mut self.screen, Screen::Navigator);
        let page = self.page();
        self.screen = screen;
        for l in &mut self.nav {
            l.offset = scroll_to(0, l.selected, page);
        }
    }

    /// Opens the checklist of a product, on an indicator or the first one.
    #[must_use = "the effects must be carried out"]
    pub fn open_checklist(&mut self, p: ProductIx, indicator: Option<IndicatorIx>) -> Vec<Effect> {
        self.show_checklist(p, indicator);
        std::mem::take(&mut self.effects)
    }

    /// Opens the checklist of any node (a unit's or an agency's own, format 2), on an
    /// indicator or its first.
    #[must_use = "the effects must be carried out"]
    pub fn open_node_checklist(
        &mut self,
        node: NodeRef,
        indicator: Option<IndicatorIx>,
    ) -> Vec<Effect> {
        self.show_node(node, indicator.map(Item::Indicator));
        std::mem::take(&mut self.effects)
    }

    pub(super) fn show_checklist(&mut self, p: ProductIx, indicator: Option<IndicatorIx>) {
        self.show_node(NodeRef::Product(p), indicator.map(Item::Indicator));
    }

    /// Opens the checklist of any node (a product's, or a unit's or an agency's own),
    /// on an item or its first indicator (its first row when it has none).
    pub(super) fn show_node(&mut self, node: NodeRef, at: Option<Item>) {
        let rows = node_rows(&self.ds, node, None);
        let first = rows
            .iter()
            .find_map(|r| r.item().filter(|i| i.indicator().is_some()))
            .or_else(|| rows.iter().find_map(|r| r.item()));
        let Some(at) = at.or(first) else {
            let instrument = self.ds.instrument_of(node);
            self.status = Status::Error(if instrument.indicators.is_empty() {
                self.t().no_indicators.into()
            } else {
                self.t().no_product_level().into()
            });
            return;
        };
        let back = self.back_to_dashboard.take();
        // The navigator behind the checklist points at this node (breadcrumb, Back):
        // a unit's or an agency's checklist stands for the list below it.
        self.reveal(node);
        match node {
            NodeRef::Agency(a) => {
                let l = self.level(NavDepth::Units(a));
                self.nav.push(l);
                self.back_to_dashboard = back;
            }
            NodeRef::Unit(u) => {
                let l = self.level(NavDepth::Products(u));
                self.nav.push(l);
            }
            NodeRef::Product(_) => {}
        }
        self.screen = Screen::Checklist(Checklist {
            node,
            respondent: None,
            at,
            offset: 0,
            focus: Pane::List,
            detail_scroll: 0,
            evidence: Vec::new(),
            filter: String::new(),
        });
        self.load_evidence();
        self.keep_in_view();
        self.save_position();
    }

    /// Opens the roster of a role at a node, on a respondent or the first.
    pub(super) fn show_roster(&mut self, node: NodeRef, role: RoleIx, on: Option<RespondentIx>) {
        if !matches!(&self.screen, Screen::Checklist(c) if c.node == node)
            && !matches!(&self.screen, Screen::Roster(r) if r.node == node)
        {
            // Reached from elsewhere (a search, a resume): the node's checklist behind.
            self.show_node(node, Some(Item::Role(role)));
        }
        let mut roster = Roster {
            node,
            role,
            selected: 0,
            offset: 0,
        };
        let rows = self.roster_rows(&roster);
        roster.selected = on
            .and_then(|r| rows.iter().position(|&x| x == Some(r)))
            .unwrap_or(0);
        self.screen = Screen::Roster(roster);
        self.keep_in_view();
    }

    /// Opens a respondent's questionnaire on its first unanswered question (its first
    /// when every one is answered).
    pub(super) fn show_questionnaire(&mut self, node: NodeRef, r: RespondentIx) {
        let rows = node_rows(&self.ds, node, Some(r));
        let questions: Vec<IndicatorIx> = rows
            .iter()
            .filter_map(|row| row.item().and_then(Item::indicator))
            .collect();
        let first_open = questions
            .iter()
            .copied()
            .find(|&i| !self.ds.respondent_value(node, r, i).is_answered());
        let Some(at) = first_open.or(questions.first().copied()) else {
            self.status = Status::Error(self.t().no_indicators.into());
            return;
        };
        if !matches!(&self.screen, Screen::Checklist(c) if c.node == node)
            && !matches!(&self.screen, Screen::Roster(x) if x.node == node)
        {
            self.show_node(node, None);
        }
        self.screen = Screen::Checklist(Checklist {
            node,
            respondent: Some(r),
            at: Item::Indicator(at),
            offset: 0,
            focus: Pane::List,
            detail_scroll: 0,
            evidence: Vec::new(),
            filter: String::new(),
        });
        self.load_evidence();
        self.keep_in_view();
    }

    /// The rows of a roster: its role's respondents still counted, by number, then the
    /// row that adds one (None).
    pub fn roster_rows(&self, r: &Roster) -> Vec<Option<RespondentIx>> {
        self.ds
            .roster(r.node, r.role.index())
            .into_iter()
            .map(|(k, _)| Some(k))
            .chain(std::iter::once(None))
            .collect()
    }

    /// Asks for the evidence of the highlighted indicator, for the detail pane (what
    /// was shown is cleared: it belongs to the indicator before).
    pub(super) fn load_evidence(&mut self) {
        let Screen::Checklist(c) = &mut self.screen else {
            return;
        };
        c.evidence.clear();
        let (node, Some(i)) = (c.node, c.at.indicator()) else {
            return;
        };
        let indicator_id = self.indicator_def(node, i).id.clone();
        self.effects.push(Effect::LoadEvidence {
            node,
            indicator: i,
            target: self.store_node(node),
            indicator_id,
        });
    }

    pub(super) fn next_pane(&mut self) {
        match &mut self.screen {
            Screen::Checklist(c) => {
                c.focus = match c.focus {
                    Pane::List => Pane::Detail,
                    Pane::Detail => Pane::List,
                }
            }
            Screen::Navigator | Screen::Dashboard(_) => self.toggle_dashboard(),
            Screen::Roster(_) => {}
        }
        self.keep_in_view();
    }

    pub(super) fn toggle_dashboard(&mut self) {
        if matches!(self.screen, Screen::Dashboard(_)) {
            self.screen = Screen::Navigator;
            return;
        }
        self.back_to_dashboard = None;
        let mut ranking: Vec<AgencyIx> = self.ds.agencies.ids().collect();
        let scores: IxVec<AgencyIx, _> = ranking
            .iter()
            .map(|&a| self.book.agency(&self.ds, a).score)
            .collect();
        // Best first; agencies without a score last; ties by code.
        ranking.sort_by(|&a, &b| {
            match (&scores[a], &scores[b]) {
                (Some(x), Some(y)) => y.cmp(x),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
            .then_with(|| self.ds.agencies[a].code.cmp(&self.ds.agencies[b].code))
        });
        self.screen = Screen::Dashboard(Dashboard {
            ranking,
            selected: 0,
            offset: 0,
        });
    }

    pub(super) fn start_filter(&mut self) {
        match &mut self.screen {
            Screen::Navigator => self.modal = Modal::Filter,
            Screen::Checklist(c) => {
                c.focus = Pane::List;
                self.modal = Modal::Filter;
            }
            Screen::Dashboard(_) | Screen::Roster(_) => {
                self.status = Status::Info(self.t().filter_only_navigator.into())
            }
        }
    }

    /// Recomputes the shown items of the current level from its filter, keeping the
    /// selected item selected when it still passes.
    pub(super) fn apply_filter(&mut self) {
        let top = self.nav_top();
        let depth = top.depth;
        let previous = top.current();
        let filter = Filter::new(&top.filter);
        let shown: Vec<Node> = self
            .items(depth)
            .into_iter()
            .filter(|&node| {
                let (code, name) = self.item_text(node);
                filter.matches(code, name)
            })
            .collect();
        let top = self.nav_mut();
        top.selected = previous
            .and_then(|p| shown.iter().position(|&x| x == p))
            .unwrap_or(0);
        top.shown = shown;
        top.offset = 0;
        self.keep_in_view();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_ignores_case_and_accents() {
        assert_eq!(fold("Kantór ÁMBON"), "kantor ambon");
        assert_eq!(fold("Ｄｕｋｃａｐｉｌ"), "dukcapil");
        assert!(fold("Pemerintah Kota Ambon").contains(&fold("AMBÓN")));
    }

    #[test]
    fn the_filter_matches_like_folding_the_whole_text() {
        let items = [
            ("KTP-EL", "KTP EL"),
            ("RAWAT-JALAN", "Rawat Jalan RSUD"),
            ("8171", "Pemerintah Kota Ambon"),
            ("X1", "Kantór Pelayanan Ámbon"),
            ("ＤＵＫＣＡＰＩＬ", "Ｄｕｋｃａｐｉｌ"),
        ];
        for query in [
            "",
            "ktp",
            "KTP el",
            "rawat jal",
            "kota ambon",
            "ambon",
            "kantor",
            "dukcapil",
            "ó",
            "t-e",
            "8171 kota",
            "x",
        ] {
            let filter = Filter::new(query);
            let words: Vec<String> = fold(query).split_whitespace().map(str::to_string).collect();
            for (code, name) in items {
                let hay = fold(&format!("{code} {name}"));
                let expected = words.iter().all(|w| hay.contains(w.as_str()));
                assert_eq!(
                    filter.matches(code, name),
                    expected,
                    "{query:?} on {code} {name}"
                );
            }
        }
    }

    #[test]
    fn scrolling_keeps_the_row_visible_with_minimal_moves() {
        assert_eq!(scroll_to(0, 5, 10), 0);
        assert_eq!(scroll_to(0, 12, 10), 3);
        assert_eq!(scroll_to(3, 2, 10), 2);
        assert_eq!(clamp_move(3, -10, 5), 0);
        assert_eq!(clamp_move(3, i64::MAX / 2, 5), 4);
        assert_eq!(clamp_move(0, 1, 0), 0);
    }
}
