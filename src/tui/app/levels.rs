//! What format 2 adds to the workstation's state: the respondents interviewed at a node
//! (a roster per role, `Pelaksana 3/4`: added with an optional position, never a name
//! — Law 27/2022 — and removed with a reason), each respondent's questionnaire entered
//! heads-down like CSPro (a digit records the answer and moves on; the last question
//! moves on to the next respondent, adding one while the role still needs respondents,
//! else asking), and the values of `data` indicators (a decimal, then its source).
//! As everywhere, each change is an effect; the dataset changes when its outcome says
//! the store committed it.

use super::assess::Cell;
use super::nav::node_rows;
use super::{App, Item, Modal, Screen, Status};
use crate::domain::Value;
use crate::domain::instrument::Source;
use crate::domain::method::{self, NodeValue};
use crate::domain::model::{DataValue, IndicatorIx, Ix, NodeRef, Respondent, RespondentIx, RoleIx};
use crate::domain::scoring::Rounded;
use crate::domain::text::sanitize;
use crate::store::RespondentRow;
use crate::tui::editor::TextArea;
use crate::tui::effect::{
    AddRespondent, DataChange, Edit, Effect, Failure, Origin, RemoveRespondent,
};

impl App {
    /// A respondent as the store addresses it.
    pub(super) fn respondent_row(&self, node: NodeRef, r: RespondentIx) -> Option<RespondentRow> {
        let resp = self.ds.respondent(node, r)?;
        Some(RespondentRow {
            id: resp.db_id,
            uid: resp.uid.clone(),
            role: self.role_id(node, RoleIx::new(resp.role)),
            number: resp.number,
            label: resp.label.clone(),
            added_at: String::new(),
            added_by: String::new(),
            removed: None,
        })
    }

    fn role_id(&self, node: NodeRef, role: RoleIx) -> String {
        self.ds
            .instrument_of(node)
            .roles
            .get(role.index())
            .map(|r| r.id.clone())
            .unwrap_or_default()
    }

    /// A role's label in the UI's language (`Pelaksana`).
    pub fn role_label(&self, node: NodeRef, role: RoleIx) -> String {
        self.ds
            .instrument_of(node)
            .roles
            .get(role.index())
            .map(|r| sanitize(r.label.get(self.lang)).into_owned())
            .unwrap_or_default()
    }

    /// How many respondents of a role a node has (not removed) and needs.
    pub fn role_count(&self, node: NodeRef, role: RoleIx) -> (usize, u32) {
        let required = self
            .ds
            .instrument_of(node)
            .roles
            .get(role.index())
            .map_or(0, |r| r.respondents);
        (self.ds.roster(node, role.index()).len(), required)
    }

    /// "Pelaksana 2" or "Pelaksana 2 (Kepala Dinas)": a respondent as the screens name it.
    pub fn respondent_name(&self, node: NodeRef, r: RespondentIx) -> String {
        match self.ds.respondent(node, r) {
            Some(resp) => {
                let role = self.role_label(node, RoleIx::new(resp.role));
                if resp.label.is_empty() {
                    format!("{role} {}", resp.number)
                } else {
                    format!("{role} {} ({})", resp.number, sanitize(&resp.label))
                }
            }
            None => String::new(),
        }
    }

    /// Whether indicator `i` of a node takes a data value.
    pub fn is_data(&self, node: NodeRef, i: IndicatorIx) -> bool {
        matches!(self.indicator_def(node, i).source, Source::Data { .. })
    }

    /// An interview indicator's value at its node as the checklist writes it: the mean
    /// of its respondents' answers (`2.50/3`), `N/A`; None when nobody answered yet.
    pub fn mean_text(&self, node: NodeRef, i: IndicatorIx) -> Option<String> {
        let max = self.indicator_def(node, i).max;
        match self.ds.answer(node, i).node_value(max) {
            NodeValue::Value(x) => Some(format!("{}/{max}", Rounded::of(&x))),
            NodeValue::NotApplicable => Some(self.t().na.into()),
            NodeValue::Unanswered => None,
        }
    }

    /// (answered, required) of an indicator at its node (an interview counts its
    /// respondents' answers).
    pub fn progress_of(&self, node: NodeRef, i: IndicatorIx) -> (u32, u32) {
        method::progress(
            self.ds.instrument_of(node),
            i.index(),
            &self.ds.answer(node, i),
        )
    }

    /// The indicators of a node's checklist still not fully answered, in its order: a
    /// product's unanswered ones; a unit's or an agency's own indicators that lack an
    /// answer (an interview: respondents' answers).
    pub fn unanswered_at(&self, node: NodeRef) -> Vec<IndicatorIx> {
        if let NodeRef::Product(p) = node
            && self.ds.instrument_of(node).is_observation_checklist()
        {
            return self.unanswered(p);
        }
        node_rows(&self.ds, node, None)
            .into_iter()
            .filter_map(|r| r.item().and_then(Item::indicator))
            .filter(|&i| {
                let (answered, required) = self.progress_of(node, i);
                answered < required
            })
            .collect()
    }

    /// The questions of a respondent's questionnaire still unanswered, in order.
    pub fn questions_open(&self, node: NodeRef, r: RespondentIx) -> Vec<IndicatorIx> {
        node_rows(&self.ds, node, Some(r))
            .into_iter()
            .filter_map(|row| row.item().and_then(Item::indicator))
            .filter(|&i| !self.ds.respondent_value(node, r, i).is_answered())
            .collect()
    }

    /// The role the add-respondent key is about: the roster's, the questionnaire's,
    /// the highlighted role's or interview indicator's.
    fn role_in_view(&self) -> Option<(NodeRef, RoleIx)> {
        match &self.screen {
            Screen::Roster(r) => Some((r.node, r.role)),
            Screen::Checklist(c) => match (c.respondent, c.at) {
                (Some(r), _) => self
                    .ds
                    .respondent(c.node, r)
                    .map(|x| (c.node, RoleIx::new(x.role))),
                (None, Item::Role(role)) => Some((c.node, role)),
                (None, Item::Indicator(i)) => self
                    .indicator_def(c.node, i)
                    .source
                    .role()
                    .map(|role| (c.node, RoleIx::new(role))),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether respondents, answers or data of a node can be changed now; if not, says
    /// why.
    fn node_writable(&mut self, node: NodeRef) -> bool {
        if self.refuse_read_only() {
            return false;
        }
        if self.ds.finalized(node) {
            self.refuse_finalized();
            return false;
        }
        true
    }

    /// The add-respondent key.
    pub(super) fn add_respondent_key(&mut self) {
        match self.role_in_view() {
            Some((node, role)) => self.ask_respondent(node, role),
            None => self.status = Status::Info(self.t().no_role_here().into()),
        }
    }

    /// Asks for the new respondent's position (optional).
    pub(super) fn ask_respondent(&mut self, node: NodeRef, role: RoleIx) {
        if !self.node_writable(node) {
            return;
        }
        self.modal = Modal::AddRespondent {
            node,
            role,
            input: TextArea::new("", false),
        };
    }

    /// Enter in the position prompt: the respondent is added (and, from a
    /// questionnaire or the roster's last row, its questionnaire opens).
    pub(super) fn submit_respondent(&mut self, node: NodeRef, role: RoleIx, input: TextArea) {
        let label = input.text().trim().to_string();
        if let Err(why) = crate::store::clean_label(&label) {
            self.status = Status::Error(why);
            self.modal = Modal::AddRespondent { node, role, input };
            return;
        }
        self.modal = Modal::AddRespondent { node, role, input };
        self.add_respondent(node, role, label, false);
    }

    /// Asks to add a respondent (`heads_down`: the last answer of the one before led
    /// here, nobody asked).
    pub(super) fn add_respondent(
        &mut self,
        node: NodeRef,
        role: RoleIx,
        label: String,
        heads_down: bool,
    ) {
        self.effects.push(Effect::AddRespondent(AddRespondent {
            node,
            role,
            target: self.node_target(node),
            label,
            heads_down,
        }));
    }

    /// The remove-respondent key: the roster's highlighted respondent, or the
    /// questionnaire's.
    pub(super) fn remove_respondent_key(&mut self) {
        let target = match &self.screen {
            Screen::Roster(r) => self
                .roster_rows(r)
                .get(r.selected)
                .copied()
                .flatten()
                .map(|x| (r.node, x)),
            Screen::Checklist(c) => c.respondent.map(|x| (c.node, x)),
            _ => None,
        };
        let Some((node, respondent)) = target else {
            self.status = Status::Info(self.t().no_respondent_here().into());
            return;
        };
        if !self.node_writable(node) {
            return;
        }
        self.modal = Modal::RemoveRespondent {
            node,
            respondent,
            input: TextArea::new("", false),
        };
    }

    /// Enter in the reason prompt: the respondent is removed (kept, audited).
    pub(super) fn submit_removal(&mut self, node: NodeRef, r: RespondentIx, input: TextArea) {
        let reason = input.text().trim().to_string();
        self.modal = Modal::RemoveRespondent {
            node,
            respondent: r,
            input,
        };
        if reason.is_empty() {
            self.status = Status::Error(self.t().removal_reason_needed().into());
            return;
        }
        let Some(resp) = self.ds.respondent(node, r) else {
            self.status = Status::Error(self.t().respondent_gone().into());
            return;
        };
        self.effects
            .push(Effect::RemoveRespondent(RemoveRespondent {
                node,
                respondent: r,
                target: self.store_node(node),
                role: self.role_id(node, RoleIx::new(resp.role)),
                number: resp.number,
                reason,
            }));
    }

    /// After the last question of a respondent's questionnaire: the next respondent of
    /// its role, a new one while the role needs more, else the question whether to add
    /// another.
    pub(super) fn next_respondent(&mut self, node: NodeRef, r: RespondentIx) {
        let Some(resp) = self.ds.respondent(node, r) else {
            return;
        };
        let (role, number) = (RoleIx::new(resp.role), resp.number);
        let roster = self.ds.roster(node, role.index());
        let next = roster
            .iter()
            .find(|(_, x)| x.number > number)
            .map(|(k, _)| *k);
        let (count, required) = self.role_count(node, role);
        match next {
            Some(next) => {
                self.show_questionnaire(node, next);
                self.say_next(node, next);
            }
            None if (count as u64) < u64::from(required) => {
                self.add_respondent(node, role, String::new(), true);
            }
            None => self.modal = Modal::ConfirmMore { node, role },
        }
    }

    /// Adds "→ Pelaksana 3" to the saved message: where the cursor went.
    fn say_next(&mut self, node: NodeRef, r: RespondentIx) {
        let name = self.respondent_name(node, r);
        if let Status::Saved(saved) = &self.status {
            self.status = Status::Saved(format!("{saved} → {name}"));
        }
    }

    /// The store added a respondent.
    pub(super) fn respondent_added(
        &mut self,
        add: AddRespondent,
        result: Result<RespondentRow, Failure>,
    ) {
        let row = match result {
            Ok(row) => row,
            Err(e) => {
                self.status = Status::Error(self.failure(&e));
                return;
            }
        };
        if matches!(self.modal, Modal::AddRespondent { node, .. } if node == add.node) {
            self.modal = Modal::None;
        }
        let mut resp = Respondent::new(row.uid, add.role.index(), row.number, row.label);
        resp.db_id = row.id;
        let r = match self.ds.add_respondent(add.node, resp) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!("respondent added in the store, refused in memory: {e}");
                self.status = Status::Error(e.to_string());
                return;
            }
        };
        self.book.update(&self.ds, add.node);
        let name = self.respondent_name(add.node, r);
        let (count, required) = self.role_count(add.node, add.role);
        let saved =
            self.t()
                .respondent_added(&name, &sanitize(self.node_code(add.node)), count, required);
        let before = match &self.status {
            // Heads-down: the answer that led here stays in the message.
            Status::Saved(s) if add.heads_down => {
                format!("{s} → ")
            }
            _ => String::new(),
        };
        self.status = Status::Saved(format!("{before}{saved}"));
        self.show_questionnaire(add.node, r);
    }

    /// The store removed a respondent: its answers no longer count.
    pub(super) fn respondent_removed(
        &mut self,
        remove: RemoveRespondent,
        result: Result<(), Failure>,
    ) {
        if let Err(e) = result {
            self.status = Status::Error(self.failure(&e));
            return;
        }
        if matches!(self.modal, Modal::RemoveRespondent { respondent, .. } if respondent == remove.respondent)
        {
            self.modal = Modal::None;
        }
        let name = self.respondent_name(remove.node, remove.respondent);
        let role = self
            .ds
            .respondent(remove.node, remove.respondent)
            .map(|x| RoleIx::new(x.role));
        if let Err(e) = self.ds.remove_respondent(remove.node, remove.respondent) {
            tracing::warn!("respondent removed in the store, refused in memory: {e}");
        }
        self.book.update(&self.ds, remove.node);
        // Its answers can no longer be undone or redone: they no longer count.
        let gone = |e: &Edit| {
            matches!(e, Edit::Value { node, respondent: Some(x), .. }
                if *node == remove.node && *x == remove.respondent)
        };
        self.undo.retain(|e| !gone(e));
        self.redo.retain(|e| !gone(e));
        self.status = Status::Saved(
            self.t()
                .respondent_removed(&name, &sanitize(&remove.reason)),
        );
        let on_it = matches!(&self.screen, Screen::Checklist(c)
            if c.node == remove.node && c.respondent == Some(remove.respondent));
        if let Some(role) = role
            && (on_it || matches!(&self.screen, Screen::Roster(r) if r.node == remove.node))
        {
            self.show_roster(remove.node, role, None);
        }
    }

    /// Enter on a data indicator: its value, then its source.
    pub(super) fn open_data(&mut self, node: NodeRef, i: IndicatorIx) {
        if !self.node_writable(node) {
            return;
        }
        let current = self
            .ds
            .data(node, i)
            .map(DataValue::text)
            .unwrap_or_default();
        self.modal = Modal::Data {
            node,
            indicator: i,
            input: TextArea::new(&current, false),
            amount: None,
        };
    }

    /// Enter in the data prompt: the value is checked, then its source is asked for;
    /// with both, the value is entered.
    pub(super) fn submit_data(
        &mut self,
        node: NodeRef,
        i: IndicatorIx,
        input: TextArea,
        amount: Option<String>,
    ) {
        let typed = input.text().trim().to_string();
        let ind = self.indicator_def(node, i).clone();
        match amount {
            None => {
                if typed.is_empty() {
                    // Nothing typed: the value is cleared.
                    self.modal = Modal::None;
                    if self.ds.data(node, i).is_some() {
                        self.record_data(node, i, None, Origin::Key { advance: false });
                    }
                    return;
                }
                if let Err(why) = method::parse_data_value(&ind, &typed) {
                    self.status = Status::Error(why);
                    self.modal = Modal::Data {
                        node,
                        indicator: i,
                        input,
                        amount: None,
                    };
                    return;
                }
                // The source entered before, else the one the instrument names.
                let source = self
                    .ds
                    .data(node, i)
                    .map(|d| d.source().to_string())
                    .or_else(|| match &ind.source {
                        Source::Data { from: Some(t) } => Some(t.get(self.lang).to_string()),
                        _ => None,
                    })
                    .unwrap_or_default();
                self.modal = Modal::Data {
                    node,
                    indicator: i,
                    input: TextArea::new(&source, false),
                    amount: Some(typed),
                };
            }
            Some(amount) => match DataValue::parse(&ind, &amount, &typed) {
                Ok(v) if !v.source().is_empty() => {
                    self.modal = Modal::Data {
                        node,
                        indicator: i,
                        input,
                        amount: Some(amount),
                    };
                    self.record_data(node, i, Some(v), Origin::Key { advance: true });
                }
                Ok(_) => {
                    self.status = Status::Error(self.t().data_source_needed().into());
                    self.modal = Modal::Data {
                        node,
                        indicator: i,
                        input,
                        amount: Some(amount),
                    };
                }
                Err(why) => {
                    self.status = Status::Error(why);
                    self.modal = Modal::Data {
                        node,
                        indicator: i,
                        input,
                        amount: Some(amount),
                    };
                }
            },
        }
    }

    /// Asks to enter (or with None clear) a data value.
    pub(super) fn record_data(
        &mut self,
        node: NodeRef,
        i: IndicatorIx,
        value: Option<DataValue>,
        origin: Origin,
    ) {
        let before = self.ds.data(node, i).cloned();
        self.effects.push(Effect::RecordData(Box::new(DataChange {
            node,
            indicator: i,
            target: self.node_target(node),
            value,
            before,
            origin,
        })));
    }

    /// The store entered (or cleared) a data value.
    pub(super) fn data_recorded(&mut self, change: Box<DataChange>, result: Result<(), Failure>) {
        let change = *change;
        if let Err(e) = result {
            self.status = Status::Error(self.failure(&e));
            match change.origin {
                Origin::Undo(edit) => self.not_undone(edit, false),
                Origin::Redo(edit) => self.not_undone(edit, true),
                _ => {}
            }
            return;
        }
        let (node, i) = (change.node, change.indicator);
        if matches!(self.modal, Modal::Data { node: n, indicator, .. } if (n, indicator) == (node, i))
        {
            self.modal = Modal::None;
        }
        if let Err(e) = self.ds.set_data(node, i, change.value.clone()) {
            tracing::warn!("data value recorded in the store, refused in memory: {e}");
        }
        // A value entered ends an N/A of the indicator (as the store does).
        if change.value.is_some() && self.ds.value(node, i) == Value::NotApplicable {
            let _ = self.ds.set_value(node, i, Value::Unanswered);
        }
        self.book.update(&self.ds, node);
        let edit = Edit::Data {
            node,
            indicator: i,
            before: change.before.clone().map(Box::new),
            after: change.value.clone().map(Box::new),
        };
        match change.origin {
            Origin::Undo(edit) => return self.undone(edit, false, None),
            Origin::Redo(edit) => return self.undone(edit, true, None),
            _ => {}
        }
        let id = sanitize(&self.indicator_def(node, i).id).into_owned();
        let code = sanitize(self.node_code(node)).into_owned();
        let what = self.cell_text(Cell::of(node, i));
        self.status = Status::Saved(self.t().saved(&code, &id, &what));
        if change.before != change.value {
            self.done(edit);
        }
    }
}
