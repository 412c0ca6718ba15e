//! Every word the workstation shows, in Indonesian and in English, from this one
//! module. Plain texts are fields of [`Ui`]; texts with values are its methods; what
//! each action of each mode does and its word in a hint bar is [`Described`], and the
//! hint lines are built from the key map in force.
//! Indonesian is the default when `LANG` starts with `id` (see
//! [`crate::domain::Lang::from_env`]); `language` in config.toml and `L` override it.

use super::action::{
    Action, Bindable, ConfirmAction, EditorAction, FilterAction, Mode, PromptAction,
};
use super::app::find::ProductState;
use super::effect::{Failure, FileKind, FileProblem};
use super::keymap::KeyMap;
use crate::domain::Lang;

/// The UI text of one language.
pub struct Ui {
    pub lang: Lang,
    pub agencies: &'static str,
    pub units: &'static str,
    pub products: &'static str,
    pub checklist: &'static str,
    pub dashboard: &'static str,
    pub agency: &'static str,
    pub unit: &'static str,
    pub product: &'static str,
    pub col_name: &'static str,
    pub col_score: &'static str,
    pub col_zone: &'static str,
    pub col_progress: &'static str,
    pub col_rank: &'static str,
    pub score_title: &'static str,
    pub no_score: &'static str,
    pub answered: &'static str,
    pub finalized_mark: &'static str,
    pub top_zone: &'static str,
    pub fulfil: &'static str,
    pub guidance: &'static str,
    pub note: &'static str,
    pub evidence: &'static str,
    pub no_note: &'static str,
    pub no_evidence: &'static str,
    pub weight: &'static str,
    pub scale: &'static str,
    pub unanswered: &'static str,
    pub na: &'static str,
    pub filter: &'static str,
    pub nothing_matches: &'static str,
    pub empty_title: &'static str,
    pub empty_lines: [&'static str; 5],
    pub too_small: &'static str,
    /// Marks the header of a workstation that may only read.
    pub read_only_mark: &'static str,
    pub read_only_restart: &'static str,
    pub evidence_title: &'static str,
    pub evidence_explain: &'static str,
    pub reopen_title: &'static str,
    pub reopen_explain: &'static str,
    pub finalize_title: &'static str,
    pub zones_title: &'static str,
    pub ranking_title: &'static str,
    pub progress_title: &'static str,
    pub no_score_bar: &'static str,
    pub help_title: &'static str,
    pub help_keys_title: &'static str,
    pub help_editor_title: &'static str,
    pub help_prompt_title: &'static str,
    pub help_filter_title: &'static str,
    pub help_confirm_title: &'static str,
    /// Said under the keys of the editor, the prompts and the filter.
    pub help_typing: &'static str,
    pub help_overlay_remark: &'static str,
    pub help_confirm_remark: &'static str,
    pub close: &'static str,
    pub scroll: &'static str,
    pub type_to_filter: &'static str,
    pub discard_question: &'static str,
    pub discard_verb: &'static str,
    pub keep_writing: &'static str,
    pub finalize_verb: &'static str,
    pub any_other_cancels: &'static str,
    pub digest_cancelled: &'static str,
    pub help_legend_title: &'static str,
    pub help_legend: [(&'static str, &'static str); 11],
    pub assessor: &'static str,
    pub instrument: &'static str,
    // status messages
    pub note_discarded: &'static str,
    pub note_unchanged: &'static str,
    pub cancelled: &'static str,
    pub language_switched: &'static str,
    pub export_title: &'static str,
    pub export_explain: &'static str,
    pub no_indicators: &'static str,
    pub filter_only_navigator: &'static str,
    pub open_product_first: &'static str,
    pub evidence_empty: &'static str,
    pub nothing_to_undo: &'static str,
    pub reason_needed: &'static str,
}

pub static ID: Ui = Ui {
    lang: Lang::Id,
    agencies: "Instansi",
    units: "Unit layanan",
    products: "Produk layanan",
    checklist: "Daftar periksa",
    dashboard: "Dasbor",
    agency: "Instansi",
    unit: "Unit",
    product: "Produk",
    col_name: "Nama",
    col_score: "Nilai",
    col_zone: "Zona",
    col_progress: "Terisi",
    col_rank: "#",
    score_title: "Nilai",
    no_score: "belum ada nilai",
    answered: "dijawab",
    finalized_mark: "final",
    top_zone: "Zona tertinggi tercapai",
    fulfil: "Penuhi:",
    guidance: "Petunjuk",
    note: "Catatan",
    evidence: "Bukti dukung",
    no_note: "belum ada catatan",
    no_evidence: "belum ada bukti dukung",
    weight: "bobot",
    scale: "skala",
    unanswered: "belum dijawab",
    na: "N/A",
    filter: "Saring",
    nothing_matches: "Tidak ada yang cocok dengan saringan.",
    empty_title: "Belum ada penugasan",
    empty_lines: [
        "Basis data ini belum berisi instansi untuk dinilai.",
        "Impor penugasan dari kantor perwakilan Anda:",
        "  patuh assignment import BERKAS.json",
        "atau coba data contoh Provinsi Maluku:",
        "  patuh demo",
    ],
    too_small: "Layar terminal terlalu kecil",
    read_only_mark: "HANYA-BACA",
    read_only_restart: "Hanya-baca: basis data diubah di luar workstation ini; tutup dan buka ulang untuk melihatnya.",
    evidence_title: "Bukti dukung",
    evidence_explain: "Path berkas atau nomor dokumen. Berkas yang ada dicatat dengan ukuran dan SHA-256-nya.",
    reopen_title: "Buka kembali produk final",
    reopen_explain: "Alasan membuka kembali (dicatat di log audit):",
    finalize_title: "Finalisasi produk",
    zones_title: "Zona instansi",
    ranking_title: "Peringkat instansi",
    progress_title: "Kemajuan penilaian",
    no_score_bar: "tanpa",
    help_title: "Bantuan",
    help_keys_title: "Tombol",
    help_editor_title: "Penyunting catatan",
    help_prompt_title: "Isian (bukti dukung, alasan buka kembali, berkas ekspor, nama penilai)",
    help_filter_title: "Mengetik saringan atau pencarian",
    help_confirm_title: "Pertanyaan ya/tidak (finalisasi, buang catatan, lepas bukti, nomor dokumen)",
    help_typing: "  Tombol lain mengetik hurufnya.",
    help_overlay_remark: "  Bantuan, riwayat dan daftar di jendela (bukti, indikator belum dijawab) bergerak dengan naik/turun; kembali menutupnya.",
    help_confirm_remark: "  Tombol lain juga berarti tidak.",
    close: "tutup",
    scroll: "gulir",
    type_to_filter: "ketik untuk menyaring",
    discard_question: "Buang perubahan catatan?",
    discard_verb: "buang",
    keep_writing: "tombol lain = lanjut menulis",
    finalize_verb: "finalisasi",
    any_other_cancels: "tombol lain = batal",
    digest_cancelled: "Dibatalkan: berkas tidak dibaca lagi, bukti dukung tidak disimpan.",
    help_legend_title: "Tanda",
    help_legend: [
        ("[✓]", "ada / terpenuhi (nilai 1)"),
        ("[✗]", "tidak ada (nilai 0)"),
        ("[ ] ·/3", "belum dijawab (dihitung 0)"),
        ("2/3", "nilai pada skala 0..3"),
        ("N/A", "tidak berlaku (tidak dihitung)"),
        ("✎ §", "ada catatan · ada bukti dukung"),
        ("✔", "produk sudah final (hanya-baca)"),
        (
            "↻",
            "dibawa dari siklus sebelumnya: periksa ulang (belum dihitung)",
        ),
        ("2.50/3", "rata-rata jawaban responden (wawancara)"),
        (
            "2/4 »",
            "responden peran itu: sudah / diperlukan (Enter: daftarnya)",
        ),
        (
            "zona",
            "mis. merah / kuning / hijau: selalu tertulis di samping nilai, bukan hanya warna",
        ),
    ],
    assessor: "penilai",
    instrument: "instrumen",
    note_discarded: "Perubahan catatan dibuang.",
    note_unchanged: "Catatan tidak berubah.",
    cancelled: "Dibatalkan.",
    language_switched: "Bahasa: Indonesia.",
    export_title: "Ekspor bertanda tangan",
    export_explain: "Berkas tujuan (semua instansi di basis data ini, ditandatangani dengan kunci Anda):",
    no_indicators: "Instrumen produk ini tidak punya indikator.",
    filter_only_navigator: "Saringan ada di daftar instansi, unit dan produk, dan di daftar periksa.",
    open_product_first: "Buka sebuah produk dulu (Enter).",
    evidence_empty: "Tulis path berkas atau nomor dokumen.",
    nothing_to_undo: "Tidak ada perubahan di sesi ini untuk dibatalkan.",
    reason_needed: "Membuka kembali perlu alasan.",
};

pub static EN: Ui = Ui {
    lang: Lang::En,
    agencies: "Agencies",
    units: "Service units",
    products: "Service products",
    checklist: "Checklist",
    dashboard: "Dashboard",
    agency: "Agency",
    unit: "Unit",
    product: "Product",
    col_name: "Name",
    col_score: "Score",
    col_zone: "Zone",
    col_progress: "Done",
    col_rank: "#",
    score_title: "Score",
    no_score: "no score yet",
    answered: "answered",
    finalized_mark: "final",
    top_zone: "Top zone reached",
    fulfil: "Fulfil:",
    guidance: "Guidance",
    note: "Note",
    evidence: "Evidence",
    no_note: "no note yet",
    no_evidence: "no evidence yet",
    weight: "weight",
    scale: "scale",
    unanswered: "unanswered",
    na: "N/A",
    filter: "Filter",
    nothing_matches: "Nothing matches the filter.",
    empty_title: "No assignment yet",
    empty_lines: [
        "This database holds no agencies to assess yet.",
        "Import the assignment from your provincial office:",
        "  patuh assignment import FILE.json",
        "or try the Maluku province demo data:",
        "  patuh demo",
    ],
    too_small: "The terminal is too small",
    read_only_mark: "READ-ONLY",
    read_only_restart: "Read-only: the database was changed outside this workstation; quit and start again to see it.",
    evidence_title: "Evidence",
    evidence_explain: "A file path or a document number. An existing file is recorded with its size and SHA-256.",
    reopen_title: "Reopen a finalized product",
    reopen_explain: "Reason for reopening (goes into the audit log):",
    finalize_title: "Finalize the product",
    zones_title: "Agencies by zone",
    ranking_title: "Agency ranking",
    progress_title: "Assessment progress",
    no_score_bar: "none",
    help_title: "Help",
    help_keys_title: "Keys",
    help_editor_title: "Note editor",
    help_prompt_title: "Prompts (evidence, reopen reason, export file, assessor's name)",
    help_filter_title: "Typing a filter or a search",
    help_confirm_title: "Yes/no questions (finalize, discard a note, remove evidence, document number)",
    help_typing: "  Any other key types its character.",
    help_overlay_remark: "  The help, the history and the lists in windows (evidence, unanswered indicators) move with up/down; back closes them.",
    help_confirm_remark: "  Any other key means no too.",
    close: "close",
    scroll: "scroll",
    type_to_filter: "type to filter",
    discard_question: "Discard the note's changes?",
    discard_verb: "discard",
    keep_writing: "any other key = keep writing",
    finalize_verb: "finalize",
    any_other_cancels: "any other key = cancel",
    digest_cancelled: "Cancelled: the file is no longer read, no evidence was saved.",
    help_legend_title: "Marks",
    help_legend: [
        ("[✓]", "present / fulfilled (value 1)"),
        ("[✗]", "absent (value 0)"),
        ("[ ] ·/3", "unanswered (counts as 0)"),
        ("2/3", "a value on a 0..3 scale"),
        ("N/A", "not applicable (left out)"),
        ("✎ §", "has a note · has evidence"),
        ("✔", "product finalized (read-only)"),
        (
            "↻",
            "carried from the previous cycle: to re-check (not counted yet)",
        ),
        ("2.50/3", "mean of the respondents' answers (interview)"),
        (
            "2/4 »",
            "respondents of that role: so far / needed (Enter: the roster)",
        ),
        (
            "zone",
            "e.g. merah / kuning / hijau: always written next to the score, not only a colour",
        ),
    ],
    assessor: "assessor",
    instrument: "instrument",
    note_discarded: "The note's changes were discarded.",
    note_unchanged: "The note did not change.",
    cancelled: "Cancelled.",
    language_switched: "Language: English.",
    export_title: "Signed export",
    export_explain: "File to write (every agency in this database, signed with your key):",
    no_indicators: "This product's instrument has no indicators.",
    filter_only_navigator: "The filter works in the agency, unit and product lists and in a checklist.",
    open_product_first: "Open a product first (Enter).",
    evidence_empty: "Write a file path or a document number.",
    nothing_to_undo: "Nothing of this session to undo.",
    reason_needed: "Reopening needs a reason.",
};

/// The UI text of a language.
pub fn ui(lang: Lang) -> &'static Ui {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

impl Ui {
    fn pick(&self, id: String, en: String) -> String {
        match self.lang {
            Lang::Id => id,
            Lang::En => en,
        }
    }

    /// The detail pane's line of an item the central office returned.
    pub fn returned_line(&self, whole: bool) -> &'static str {
        match (self.lang, whole) {
            (Lang::Id, false) => "↩ Dikembalikan kantor pusat",
            (Lang::En, false) => "↩ Returned by the central office",
            (Lang::Id, true) => "↩ Produk dikembalikan kantor pusat",
            (Lang::En, true) => "↩ Product returned by the central office",
        }
    }

    /// How to answer a returned item.
    pub fn returned_hint(&self, confirm: &str) -> String {
        self.pick(
            format!("ubah nilainya, atau {confirm}: konfirmasi apa adanya"),
            format!("change it, or {confirm}: confirm it as it is"),
        )
    }

    /// The checklist title's mark of a product with returned items.
    pub fn returned_mark(&self, n: usize) -> String {
        self.pick(format!("↩ {n} dikembalikan "), format!("↩ {n} returned "))
    }

    pub fn returned_confirmed(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Dikonfirmasi apa adanya; ikut terkirim pada ekspor berikutnya.",
            Lang::En => "Confirmed as it is; it goes with the next export.",
        }
    }

    /// The heading of an agency's trend in the score panel (published years and this
    /// database's cycles); with the meaning of `*` when a point is marked.
    pub fn trend_title(&self, marked: bool) -> &'static str {
        match (self.lang, marked) {
            (Lang::Id, false) => "Tren",
            (Lang::Id, true) => "Tren (* belum lengkap)",
            (Lang::En, false) => "Trend",
            (Lang::En, true) => "Trend (* incomplete)",
        }
    }

    /// The score panel's line on the previous cycle: the score and category then, and
    /// the difference to now (`+12.01`).
    pub fn then_line(&self, from: &str, delta: Option<&str>) -> String {
        let word = match self.lang {
            Lang::Id => "dulu",
            Lang::En => "was",
        };
        match delta {
            Some(d) => format!(" {word} {from} Δ {d}"),
            None => format!(" {word} {from}"),
        }
    }

    /// The dashboard's line on the agencies that moved most since the cycle followed
    /// (`8171 +12.01`, up to three) and how many did not move.
    pub fn moved_line(&self, most: &str, unmoved: usize) -> String {
        self.pick(
            format!(" bergerak terbanyak: {most} · tidak bergerak: {unmoved} "),
            format!(" moved most: {most} · not moved: {unmoved} "),
        )
    }

    /// An answer carried from the previous cycle, confirmed as it is.
    pub fn carried_confirmed(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Tersimpan: dikonfirmasi sama dengan siklus sebelumnya.",
            Lang::En => "Saved: confirmed as in the previous cycle.",
        }
    }

    pub fn nothing_carried_here(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Tidak ada jawaban yang dibawa dari siklus sebelumnya di sini.",
            Lang::En => "No answer carried from the previous cycle here.",
        }
    }

    /// The detail pane's line on a carried answer.
    pub fn carried_line(&self, value: &str, confirm: &str) -> String {
        self.pick(
            format!(
                "↻ Dibawa dari siklus sebelumnya: {value}, periksa ulang (belum dihitung). \
                 {confirm}: sama, atau masukkan nilai baru"
            ),
            format!(
                "↻ Carried from the previous cycle: {value}, to re-check (not counted yet). \
                 {confirm}: as before, or enter a new value"
            ),
        )
    }

    pub fn nothing_returned_here(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Tidak ada yang dikembalikan kantor pusat di sini.",
            Lang::En => "Nothing returned by the central office here.",
        }
    }

    pub fn welcome(&self, help: &str) -> String {
        self.pick(
            format!("Selamat datang. Tekan {help} untuk bantuan."),
            format!("Welcome. Press {help} for help."),
        )
    }

    pub fn resumed(&self, path: &str, help: &str) -> String {
        self.pick(
            format!("Melanjutkan di {path}. Tekan {help} untuk bantuan."),
            format!("Resuming at {path}. Press {help} for help."),
        )
    }

    pub fn at_top(&self, quit: &str) -> String {
        self.pick(
            format!("Sudah di tingkat teratas. {quit} untuk keluar."),
            format!("Already at the top level. {quit} quits."),
        )
    }

    pub fn too_small_fix(&self, quit: &str) -> String {
        self.pick(
            format!("Perbesar jendela atau perkecil huruf. {quit} untuk keluar."),
            format!("Enlarge the window or use a smaller font. {quit} quits."),
        )
    }

    /// Enter on a checklist: what the keys there do.
    pub fn checklist_enter_hint(&self, keys: &KeyMap) -> String {
        let (tick, note, help) = (
            keys.key(Action::Tick),
            keys.key(Action::Note),
            keys.key(Action::Help),
        );
        let tick = if tick == "Space" && self.lang == Lang::Id {
            "Spasi".to_string()
        } else {
            tick
        };
        self.pick(
            format!(
                "{tick} mencentang, 0-9 memberi nilai, {note} menulis catatan, {help} bantuan."
            ),
            format!("{tick} ticks, 0-9 sets a value, {note} writes a note, {help} helps."),
        )
    }

    /// The evidence file being read: how far, and how to stop it.
    pub fn digest_progress(&self, done: u64, total: u64, cancel: &str) -> String {
        let pct = (done.saturating_mul(100)).checked_div(total).unwrap_or(0);
        let (done, total) = (bytes(done), bytes(total));
        self.pick(
            format!("Membaca berkas: {done} dari {total} ({pct}%) · {cancel} batal"),
            format!("Reading the file: {done} of {total} ({pct}%) · {cancel} cancels"),
        )
    }

    /// "key word · key word": the hint line of a mode, from its key map.
    pub fn hint_line<A: Described>(&self, keys: &KeyMap, actions: &[A]) -> String {
        actions
            .iter()
            .filter_map(|&a| Some(format!("{} {}", keys.first(a)?, a.short(self)?)))
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// The note editor's key line.
    pub fn editor_hint(&self, keys: &KeyMap) -> String {
        use EditorAction as E;
        self.hint_line(keys, &[E::Save, E::Cancel, E::Newline])
    }

    /// A prompt's key line.
    pub fn prompt_hint(&self, keys: &KeyMap) -> String {
        self.hint_line(keys, &[PromptAction::Submit, PromptAction::Cancel])
    }

    /// The filter's key line.
    pub fn filter_hint(&self, keys: &KeyMap) -> String {
        let rest = self.hint_line(keys, &[FilterAction::Done, FilterAction::Cancel]);
        format!("{} · {rest}", self.type_to_filter)
    }

    /// The help overlay's key line.
    pub fn help_hint(&self, keys: &KeyMap) -> String {
        format!(
            "{}/{} {} · {}/{} {}",
            keys.key(Action::Back),
            keys.key(Action::Help),
            self.close,
            keys.key(Action::Down),
            keys.key(Action::Up),
            self.scroll
        )
    }

    /// "Discard the note's changes? y = discard · any other key = keep writing".
    pub fn discard_line(&self, keys: &KeyMap) -> String {
        format!(
            "{} {} = {} · {}",
            self.discard_question,
            keys.key(ConfirmAction::Yes),
            self.discard_verb,
            self.keep_writing
        )
    }

    /// "y = finalize · any other key = cancel" (with unanswered indicators listed:
    /// "Enter = go to it" too).
    pub fn finalize_line(&self, keys: &KeyMap, listed: bool) -> String {
        let go = if listed {
            self.pick(
                format!(" · {} = ke indikator itu", keys.key(Action::Open)),
                format!(" · {} = go to it", keys.key(Action::Open)),
            )
        } else {
            String::new()
        };
        format!(
            "{} = {}{go} · {}",
            keys.key(ConfirmAction::Yes),
            self.finalize_verb,
            self.any_other_cancels
        )
    }

    /// The help's title for the keys of a mode.
    pub fn mode_title(&self, mode: Mode) -> &'static str {
        match mode {
            Mode::Normal => self.help_keys_title,
            Mode::Editor => self.help_editor_title,
            Mode::Prompt => self.help_prompt_title,
            Mode::Filter => self.help_filter_title,
            Mode::Confirm => self.help_confirm_title,
        }
    }

    /// What the help says under the keys of a mode.
    pub fn mode_remark(&self, mode: Mode) -> Option<&'static str> {
        match mode {
            Mode::Normal => Some(self.help_overlay_remark),
            Mode::Editor | Mode::Prompt | Mode::Filter => Some(self.help_typing),
            Mode::Confirm => Some(self.help_confirm_remark),
        }
    }

    pub fn read_only(&self, key: &str) -> String {
        self.pick(
            format!("Produk ini sudah final (hanya-baca). Tekan {key} untuk membukanya kembali dengan alasan."),
            format!("This product is finalized (read-only). Press {key} to reopen it with a reason."),
        )
    }

    /// Why nothing can be changed in a workstation that found its database open in
    /// another one (`holder` names it), or kept busy by commands (`None`).
    pub fn read_only_db(&self, holder: Option<&str>) -> String {
        match holder {
            Some(h) => self.pick(
                format!("Hanya-baca: terbuka di workstation {h}; tutup yang itu dulu."),
                format!("Read-only: open in workstation {h}; quit that one first."),
            ),
            None => self.pick(
                "Hanya-baca: perintah patuh lain sedang mengubah berkas ini; buka ulang nanti."
                    .into(),
                "Read-only: other patuh commands are changing this file; restart when done.".into(),
            ),
        }
    }

    pub fn saved(&self, product: &str, indicator: &str, what: &str) -> String {
        self.pick(
            format!("Tersimpan: {product} · {indicator} = {what}"),
            format!("Saved: {product} · {indicator} = {what}"),
        )
    }

    pub fn out_of_range(&self, v: u32, max: u32) -> String {
        self.pick(
            format!("Nilai {v} di luar skala indikator ini (0..{max})."),
            format!("Value {v} is outside this indicator's scale (0..{max})."),
        )
    }

    pub fn exported(&self, path: &str, products: usize, fingerprint: &str) -> String {
        self.pick(
            format!("Diekspor: {products} produk ke {path} (kunci {fingerprint})"),
            format!("Exported: {products} products to {path} (key {fingerprint})"),
        )
    }

    pub fn evidence_unreadable(&self, path: &str, err: &str) -> String {
        self.pick(
            format!("{path}: berkas tidak dapat dibaca ({err}); tidak ada yang disimpan."),
            format!("{path}: cannot read the file ({err}); nothing was saved."),
        )
    }

    /// A file's size as the messages write it: "3 bytes", "1.2 MB".
    pub fn size(&self, n: u64) -> String {
        if n < 1000 {
            self.pick(format!("{n} bita"), format!("{n} bytes"))
        } else {
            bytes(n)
        }
    }

    pub fn evidence_file_saved(&self, reference: &str, size: u64, hash: &str) -> String {
        let size = self.size(size);
        self.pick(
            format!("Tersimpan: bukti {reference} ({size}, sha256 {hash}…)"),
            format!("Saved: evidence {reference} ({size}, sha256 {hash}…)"),
        )
    }

    pub fn evidence_ref_saved(&self, reference: &str) -> String {
        self.pick(
            format!("Tersimpan: bukti {reference} (nomor dokumen)"),
            format!("Saved: evidence {reference} (document reference)"),
        )
    }

    pub fn finalized(&self, path: &str) -> String {
        self.pick(
            format!("Tersimpan: {path} final (hanya-baca)."),
            format!("Saved: {path} finalized (read-only)."),
        )
    }

    pub fn reopened(&self, path: &str) -> String {
        self.pick(
            format!("Tersimpan: {path} dibuka kembali."),
            format!("Saved: {path} reopened."),
        )
    }

    pub fn finalize_question(&self, path: &str, unanswered: u64) -> String {
        let base = self.pick(
            format!("Finalisasi {path}? Setelahnya produk hanya-baca sampai dibuka kembali dengan alasan."),
            format!("Finalize {path}? It becomes read-only until reopened with a reason."),
        );
        if unanswered == 0 {
            self.pick(
                format!("{base} Semua indikator sudah dijawab."),
                format!("{base} Every indicator is answered."),
            )
        } else {
            self.pick(
                format!("{base} Masih {unanswered} indikator belum dijawab:"),
                format!("{base} {unanswered} indicator(s) are still unanswered:"),
            )
        }
    }

    pub fn next_zone(&self, zone: &str) -> String {
        self.pick(format!("Ke zona {zone}:"), format!("To zone {zone}:"))
    }

    pub fn points(&self, points: &str) -> String {
        self.pick(format!(" +{points} poin"), format!(" +{points} points"))
    }

    pub fn note_saved(&self, product: &str, indicator: &str) -> String {
        self.pick(
            format!("Tersimpan: catatan {product} · {indicator}"),
            format!("Saved: note of {product} · {indicator}"),
        )
    }

    pub fn more_below(&self, key: &str, down: &str, up: &str) -> String {
        self.pick(
            format!("lanjut di bawah: {key}, lalu {down}/{up}"),
            format!("more below: {key}, then {down}/{up}"),
        )
    }

    pub fn more(&self, n: usize) -> String {
        self.pick(format!("… dan {n} lagi"), format!("… and {n} more"))
    }

    pub fn filtered(&self, shown: usize, total: usize) -> String {
        self.pick(
            format!("{shown} dari {total}"),
            format!("{shown} of {total}"),
        )
    }

    pub fn too_small_size(&self, w: u16, h: u16, min_w: u16, min_h: u16) -> String {
        self.pick(
            format!("Sekarang {w}×{h}; perlu paling sedikit {min_w}×{min_h}."),
            format!("It is {w}×{h}; patuh needs at least {min_w}×{min_h}."),
        )
    }

    pub fn progress(&self, answered: u64, total: u64, final_n: usize, products: usize) -> String {
        let pct = (answered * 100).checked_div(total).unwrap_or(0);
        self.pick(
            format!("{answered}/{total} dijawab ({pct}%) · {final_n}/{products} produk final"),
            format!("{answered}/{total} answered ({pct}%) · {final_n}/{products} products final"),
        )
    }

    pub fn config_file(&self, path: &str) -> String {
        self.pick(
            format!("Tombol dan bahasa dapat diubah di {path}"),
            format!("Keys and language can be changed in {path}"),
        )
    }

    /// The steps a new user needs, with the keys of the key map in force.
    pub fn help_intro(&self, keys: &KeyMap) -> Vec<String> {
        use Action as A;
        let k = |a: Action| keys.key(a);
        let save = keys.key(EditorAction::Save);
        match self.lang {
            Lang::Id => vec![
                format!(
                    "1. Pilih instansi dengan {} / {}, buka dengan {}: unit layanan, lalu produk, lalu daftar periksanya. {} kembali.",
                    k(A::Down), k(A::Up), k(A::Open), k(A::Back)
                ),
                format!(
                    "2. Di daftar periksa: {} mencentang/membatalkan centang, 0-9 memberi nilai skala, {} tidak berlaku, {} mengosongkan; setelah menjawab kursor pindah ke indikator berikutnya. {} ke yang belum dijawab berikutnya (lalu produk berikutnya).",
                    k(A::Tick), k(A::NotApplicable), k(A::Clear), k(A::NextUnanswered)
                ),
                format!(
                    "3. {} menulis catatan ({save} simpan), {} melampirkan bukti dukung, {} membatalkan perubahan terakhir, {} mengulanginya, {} riwayat.",
                    k(A::Note), k(A::Evidence), k(A::Undo), k(A::Redo), k(A::History)
                ),
                "4. Setiap perubahan langsung tersimpan di basis data (\"Tersimpan\" di bilah status); tidak ada perintah simpan.".into(),
                format!(
                    "5. {} memfinalisasi produk (hanya-baca); {} lagi membukanya kembali dengan alasan. {} menyaring, {} mencari, {} dasbor, {} keluar.",
                    k(A::Finalize), k(A::Finalize), k(A::Filter), k(A::Search), k(A::Dashboard), k(A::Quit)
                ),
                format!(
                    "6. Metode 2022 ke atas: instansi dan unit punya daftar periksanya sendiri, di bawah daftar unit/produknya. {} pada peran (mis. Pelaksana 2/4) membuka respondennya, {} menambah satu (jabatan, bukan nama); di kuesioner angka menjawab dan pindah ke pertanyaan berikutnya, jawaban terakhir ke responden berikutnya. {} menghapus responden dengan alasan; {} pada data instansi lain mengisi nilainya dan sumbernya.",
                    k(A::Open), k(A::AddRespondent), k(A::RemoveRespondent), k(A::Open)
                ),
            ],
            Lang::En => vec![
                format!(
                    "1. Choose an agency with {} / {}, open it with {}: its service units, then products, then a product's checklist. {} goes back.",
                    k(A::Down), k(A::Up), k(A::Open), k(A::Back)
                ),
                format!(
                    "2. In the checklist: {} ticks/unticks, 0-9 sets a scale value, {} marks not applicable, {} clears; after an answer the cursor moves to the next indicator. {} goes to the next unanswered one (then the next product).",
                    k(A::Tick), k(A::NotApplicable), k(A::Clear), k(A::NextUnanswered)
                ),
                format!(
                    "3. {} writes a note ({save} saves), {} attaches evidence, {} undoes the last change, {} redoes it, {} shows the history.",
                    k(A::Note), k(A::Evidence), k(A::Undo), k(A::Redo), k(A::History)
                ),
                "4. Every change is saved in the database at once (\"Saved\" in the status bar); there is no save command.".into(),
                format!(
                    "5. {} finalizes a product (read-only); {} again reopens it with a reason. {} filters, {} searches, {} dashboard, {} quits.",
                    k(A::Finalize), k(A::Finalize), k(A::Filter), k(A::Search), k(A::Dashboard), k(A::Quit)
                ),
                format!(
                    "6. Methods since 2022: an agency and a unit have a checklist of their own, under the list of their units or products. {} on a role (e.g. Staff 2/4) opens its respondents, {} adds one (a position, not a name); in a questionnaire a digit answers and moves on, the last answer to the next respondent. {} removes a respondent with a reason; {} on another institution's data enters its value and source.",
                    k(A::Open), k(A::AddRespondent), k(A::RemoveRespondent), k(A::Open)
                ),
            ],
        }
    }
}

/// The help's description and the hint bar's short word of an action, in the UI's
/// language. Every action of every mode has both (the short word may be none: not
/// every action is in a hint bar); the matches have no catch-all, so a new action
/// does not compile until it is described.
pub trait Described: Bindable {
    fn describe(self, t: &Ui) -> &'static str;
    fn short(self, t: &Ui) -> Option<&'static str>;
}

/// The Indonesian or the English text.
fn pick(t: &Ui, (id, en): (&'static str, &'static str)) -> &'static str {
    match t.lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

impl Described for Action {
    /// What the action does, for the help overlay.
    fn describe(self, t: &Ui) -> &'static str {
        let text = match self {
            Action::Up => ("naik", "up"),
            Action::Down => ("turun", "down"),
            Action::PageUp => ("satu halaman ke atas", "page up"),
            Action::PageDown => ("satu halaman ke bawah", "page down"),
            Action::Top => ("ke awal daftar", "to the top"),
            Action::Bottom => ("ke akhir daftar", "to the bottom"),
            Action::Open => (
                "buka: instansi → unit → produk → daftar periksa",
                "open: agency → units → products → checklist",
            ),
            Action::Back => (
                "kembali satu tingkat (atau hapus saringan)",
                "back one level (or clear the filter)",
            ),
            Action::NextPane => (
                "ganti panel: daftar ↔ rincian, instansi ↔ dasbor",
                "switch pane: list ↔ details, navigator ↔ dashboard",
            ),
            Action::Filter => (
                "saring daftar atau daftar periksa (tanpa beda huruf besar/aksen)",
                "filter the list or the checklist (ignores case and accents)",
            ),
            Action::Search => (
                "cari instansi, unit, produk atau indikator menurut nama, lalu ke sana",
                "find an agency, unit, product or indicator by name and go there",
            ),
            Action::NextUnanswered => (
                "ke indikator belum dijawab berikutnya, lalu ke produk unit yang belum selesai",
                "next unanswered indicator, then the unit's next product not finished",
            ),
            Action::PrevUnanswered => (
                "ke indikator belum dijawab sebelumnya (lalu produk sebelumnya)",
                "previous unanswered indicator (then the previous product)",
            ),
            Action::Dashboard => (
                "dasbor: zona, peringkat, kemajuan",
                "dashboard: zones, ranking, progress",
            ),
            Action::Tick => (
                "centang / batal centang indikator",
                "tick / untick the indicator",
            ),
            Action::Value0
            | Action::Value1
            | Action::Value2
            | Action::Value3
            | Action::Value4
            | Action::Value5
            | Action::Value6
            | Action::Value7
            | Action::Value8
            | Action::Value9 => ("beri nilai pada skala", "set a scale value"),
            Action::NotApplicable => (
                "tidak berlaku (sekali lagi: kosongkan)",
                "not applicable (again: clear)",
            ),
            Action::Clear => ("kosongkan (belum dijawab)", "clear (unanswered)"),
            Action::Note => ("tulis catatan indikator", "write the indicator's note"),
            Action::Evidence => (
                "lampirkan bukti dukung (berkas atau nomor dokumen)",
                "attach evidence (file or document number)",
            ),
            Action::RemoveEvidence => (
                "lepas bukti dukung (tetap tercatat di log audit)",
                "remove evidence (kept in the audit log)",
            ),
            Action::Undo => (
                "batalkan perubahan terakhir produk ini (nilai, catatan, bukti, final)",
                "undo the last change of this product (value, note, evidence, final)",
            ),
            Action::Redo => ("ulangi perubahan yang dibatalkan", "redo the change undone"),
            Action::History => (
                "riwayat indikator atau produk: siapa, kapan, lama → baru, alasan",
                "history of the indicator or product: who, when, old → new, reasons",
            ),
            Action::Finalize => (
                "finalisasi produk / buka kembali dengan alasan",
                "finalize the product / reopen with a reason",
            ),
            Action::AddRespondent => (
                "tambah responden peran ini (jabatan boleh, nama tidak)",
                "add a respondent of this role (a position, never a name)",
            ),
            Action::RemoveRespondent => (
                "hapus responden dengan alasan (jawabannya tidak dihitung lagi)",
                "remove a respondent with a reason (its answers no longer count)",
            ),
            Action::Export => (
                "ekspor bertanda tangan untuk kantor pusat",
                "signed export for the central office",
            ),
            Action::ConfirmReturned => (
                "konfirmasi apa adanya yang dikembalikan kantor pusat (↩)",
                "confirm as it is what the central office returned (↩)",
            ),
            Action::ConfirmCarried => (
                "konfirmasi apa adanya jawaban yang dibawa dari siklus sebelumnya (↻)",
                "confirm as it is an answer carried from the previous cycle (↻)",
            ),
            Action::Language => (
                "ganti bahasa Indonesia/Inggris",
                "switch Indonesian/English",
            ),
            Action::Help => ("bantuan ini", "this help"),
            Action::Quit => (
                "keluar (semua sudah tersimpan)",
                "quit (everything is already saved)",
            ),
        };
        pick(t, text)
    }

    /// A short word for the hint bar.
    fn short(self, t: &Ui) -> Option<&'static str> {
        let text = match self {
            Action::Open => ("buka", "open"),
            Action::Back => ("kembali", "back"),
            Action::Filter => ("saring", "filter"),
            Action::Search => ("cari", "search"),
            Action::NextUnanswered => ("berikut", "next"),
            Action::PrevUnanswered => ("sebelum", "previous"),
            Action::RemoveEvidence => ("lepas bukti", "remove evidence"),
            Action::Redo => ("ulangi", "redo"),
            Action::History => ("riwayat", "history"),
            Action::Dashboard => ("dasbor", "dashboard"),
            Action::Tick => ("centang", "tick"),
            Action::Value0
            | Action::Value1
            | Action::Value2
            | Action::Value3
            | Action::Value4
            | Action::Value5
            | Action::Value6
            | Action::Value7
            | Action::Value8
            | Action::Value9 => ("nilai", "value"),
            Action::NotApplicable => ("N/A", "N/A"),
            Action::Note => ("catat", "note"),
            Action::Evidence => ("bukti", "evidence"),
            Action::Undo => ("batal", "undo"),
            Action::Finalize => ("final", "finalize"),
            Action::AddRespondent => ("tambah", "add"),
            Action::RemoveRespondent => ("hapus", "remove"),
            Action::NextPane => ("panel", "pane"),
            Action::Help => ("bantuan", "help"),
            Action::Quit => ("keluar", "quit"),
            Action::Language => ("bahasa", "language"),
            Action::Export => ("ekspor", "export"),
            Action::ConfirmReturned => ("konfirmasi", "confirm"),
            Action::ConfirmCarried => ("sama", "as before"),
            Action::Clear => ("kosongkan", "clear"),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => return None,
        };
        Some(pick(t, text))
    }
}

/// Cursor movements and deletions, shared by the editor's and the prompts' texts.
const LEFT: (&str, &str) = ("kursor ke kiri", "cursor left");
const RIGHT: (&str, &str) = ("kursor ke kanan", "cursor right");
const LINE_START: (&str, &str) = ("ke awal baris", "to the start of the line");
const LINE_END: (&str, &str) = ("ke akhir baris", "to the end of the line");
const DELETE_BACK: (&str, &str) = (
    "hapus karakter sebelum kursor",
    "delete the character before the cursor",
);
const DELETE: (&str, &str) = (
    "hapus karakter di kursor",
    "delete the character at the cursor",
);

impl Described for EditorAction {
    fn describe(self, t: &Ui) -> &'static str {
        pick(
            t,
            match self {
                EditorAction::Save => ("simpan catatan", "save the note"),
                EditorAction::Cancel => (
                    "tutup (bertanya bila catatan berubah)",
                    "close (asks if the note changed)",
                ),
                EditorAction::Newline => ("baris baru", "new line"),
                EditorAction::Left => LEFT,
                EditorAction::Right => RIGHT,
                EditorAction::Up => ("ke baris di atas", "to the line above"),
                EditorAction::Down => ("ke baris di bawah", "to the line below"),
                EditorAction::LineStart => LINE_START,
                EditorAction::LineEnd => LINE_END,
                EditorAction::DeleteBack => DELETE_BACK,
                EditorAction::Delete => DELETE,
            },
        )
    }

    fn short(self, t: &Ui) -> Option<&'static str> {
        let text = match self {
            EditorAction::Save => ("simpan", "save"),
            EditorAction::Cancel => ("batal", "cancel"),
            EditorAction::Newline => ("baris baru", "new line"),
            EditorAction::Left
            | EditorAction::Right
            | EditorAction::Up
            | EditorAction::Down
            | EditorAction::LineStart
            | EditorAction::LineEnd
            | EditorAction::DeleteBack
            | EditorAction::Delete => return None,
        };
        Some(pick(t, text))
    }
}

impl Described for PromptAction {
    fn describe(self, t: &Ui) -> &'static str {
        pick(
            t,
            match self {
                PromptAction::Submit => (
                    "simpan (ekspor: tulis berkasnya)",
                    "save (export: write the file)",
                ),
                PromptAction::Cancel => (
                    "batal (saat membaca berkas bukti: berhenti membaca)",
                    "cancel (while an evidence file is read: stop reading it)",
                ),
                PromptAction::Complete => (
                    "lengkapi path berkas (bukti, ekspor)",
                    "complete the file path (evidence, export)",
                ),
                PromptAction::Left => LEFT,
                PromptAction::Right => RIGHT,
                PromptAction::LineStart => LINE_START,
                PromptAction::LineEnd => LINE_END,
                PromptAction::DeleteBack => DELETE_BACK,
                PromptAction::Delete => DELETE,
            },
        )
    }

    fn short(self, t: &Ui) -> Option<&'static str> {
        let text = match self {
            PromptAction::Submit => ("simpan", "save"),
            PromptAction::Cancel => ("batal", "cancel"),
            PromptAction::Complete => ("lengkapi", "complete"),
            PromptAction::Left
            | PromptAction::Right
            | PromptAction::LineStart
            | PromptAction::LineEnd
            | PromptAction::DeleteBack
            | PromptAction::Delete => return None,
        };
        Some(pick(t, text))
    }
}

impl Described for FilterAction {
    fn describe(self, t: &Ui) -> &'static str {
        pick(
            t,
            match self {
                FilterAction::Done => (
                    "selesai, saringan tetap berlaku (pencarian: ke sana)",
                    "done, the filter stays (search: go there)",
                ),
                FilterAction::Cancel => (
                    "hapus saringan dan tutup (pencarian: tutup)",
                    "clear the filter and close it (search: close)",
                ),
                FilterAction::Up => ("naik di daftar", "up the list"),
                FilterAction::Down => ("turun di daftar", "down the list"),
                FilterAction::PageUp => ("satu halaman ke atas", "page up"),
                FilterAction::PageDown => ("satu halaman ke bawah", "page down"),
                FilterAction::DeleteBack => ("hapus huruf terakhir", "delete the last letter"),
                FilterAction::ClearText => ("hapus semua yang diketik", "clear what was typed"),
            },
        )
    }

    fn short(self, t: &Ui) -> Option<&'static str> {
        let text = match self {
            FilterAction::Done => ("selesai", "done"),
            FilterAction::Cancel => ("hapus saringan", "clear filter"),
            FilterAction::Up
            | FilterAction::Down
            | FilterAction::PageUp
            | FilterAction::PageDown
            | FilterAction::DeleteBack
            | FilterAction::ClearText => return None,
        };
        Some(pick(t, text))
    }
}

impl Described for ConfirmAction {
    fn describe(self, t: &Ui) -> &'static str {
        pick(
            t,
            match self {
                ConfirmAction::Yes => (
                    "ya: finalisasi / buang perubahan catatan / lepas bukti / nomor dokumen",
                    "yes: finalize / discard the note's changes / remove evidence / document number",
                ),
                ConfirmAction::No => ("tidak: batal / lanjut menulis", "no: cancel / keep writing"),
            },
        )
    }

    fn short(self, t: &Ui) -> Option<&'static str> {
        Some(pick(
            t,
            match self {
                ConfirmAction::Yes => ("ya", "yes"),
                ConfirmAction::No => ("tidak", "no"),
            },
        ))
    }
}

/// A byte count as people read it: "512 B", "1.5 MB", "400.0 GB" (powers of 1000).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 1000.0 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Texts of the heads-down entry, undo and redo, the search, the history, the
/// assessor's name and the failures.
impl Ui {
    /// The first start's question.
    pub fn assessor_title(&self) -> &'static str {
        pick(self, ("Nama penilai", "Assessor's name"))
    }

    pub fn assessor_explain(&self) -> &'static str {
        pick(
            self,
            (
                "Nama Anda dicatat bersama setiap perubahan (log audit) dan di bilah status. Ditanyakan sekali.",
                "Your name is recorded with every change (the audit log) and shown in the status bar. Asked once.",
            ),
        )
    }

    pub fn assessor_question(&self) -> &'static str {
        pick(
            self,
            (
                "Siapa nama Anda? Tulis lalu tekan Enter.",
                "What is your name? Type it, then press Enter.",
            ),
        )
    }

    pub fn assessor_needed(&self) -> &'static str {
        pick(self, ("Tulis nama Anda.", "Write your name."))
    }

    pub fn assessor_later(&self, login: &str) -> String {
        self.pick(
            format!("Perubahan dicatat atas nama {login} sampai Anda memberi nama (ditanyakan lagi saat mulai berikutnya)."),
            format!("Changes are recorded as {login} until you give your name (asked again at the next start)."),
        )
    }

    pub fn assessor_saved(&self, name: &str) -> String {
        self.pick(
            format!("Tersimpan: penilai {name}, dicatat bersama setiap perubahan."),
            format!("Saved: assessor {name}, recorded with every change."),
        )
    }

    /// Where a product stands, as the product list writes it.
    pub fn state(&self, s: ProductState) -> &'static str {
        pick(
            self,
            match s {
                ProductState::NotStarted => ("belum mulai", "not started"),
                ProductState::InProgress => ("berjalan", "in progress"),
                ProductState::Complete => ("lengkap", "complete"),
                ProductState::Final => ("final", "final"),
            },
        )
    }

    pub fn col_state(&self) -> &'static str {
        pick(self, ("Keadaan", "State"))
    }

    pub fn undo_reason(&self) -> &'static str {
        pick(
            self,
            (
                "finalisasi dibatalkan (undo) di workstation",
                "finalization undone in the workstation",
            ),
        )
    }

    pub fn nothing_to_undo_here(&self, here: &str, other: &str) -> String {
        self.pick(
            format!("Tidak ada yang dapat dibatalkan di {here}; perubahan terakhir ada di {other} (buka produk itu untuk membatalkannya)."),
            format!("Nothing to undo in {here}; the last change was in {other} (open it to undo there)."),
        )
    }

    /// Undo or redo on a list: the last change is in product `other`.
    pub fn undo_elsewhere(&self, redo: bool, other: &str) -> String {
        match (redo, self.lang) {
            (false, Lang::Id) => {
                format!("Perubahan terakhir ada di {other}: buka produk itu untuk membatalkannya.")
            }
            (false, Lang::En) => format!("The last change was in {other}: open it to undo there."),
            (true, Lang::Id) => format!(
                "Yang terakhir dibatalkan ada di {other}: buka produk itu untuk mengulanginya."
            ),
            (true, Lang::En) => {
                format!("The last change undone was in {other}: open it to redo there.")
            }
        }
    }

    pub fn nothing_to_redo(&self) -> &'static str {
        pick(self, ("Tidak ada yang dapat diulang.", "Nothing to redo."))
    }

    pub fn nothing_to_redo_here(&self, here: &str, other: &str) -> String {
        self.pick(
            format!(
                "Tidak ada yang dapat diulang di {here}; yang terakhir dibatalkan ada di {other}."
            ),
            format!("Nothing to redo in {here}; the last change undone was in {other}."),
        )
    }

    fn undo_word(&self, redo: bool) -> &'static str {
        match (redo, self.lang) {
            (false, Lang::Id) => "Dibatalkan",
            (false, Lang::En) => "Undone",
            (true, Lang::Id) => "Diulang",
            (true, Lang::En) => "Redone",
        }
    }

    /// "Undone: NIB · sk-standar back to unanswered (was ✓)." / "Redone: NIB ·
    /// sk-standar = ✓ again (was unanswered)."
    pub fn undone_value(&self, redo: bool, code: &str, ind: &str, now: &str, was: &str) -> String {
        let w = self.undo_word(redo);
        if redo {
            self.pick(
                format!("{w}: {code} · {ind} = {now} lagi (tadinya {was})."),
                format!("{w}: {code} · {ind} = {now} again (was {was})."),
            )
        } else {
            self.pick(
                format!("{w}: {code} · {ind} kembali {now} (tadinya {was})."),
                format!("{w}: {code} · {ind} back to {now} (was {was})."),
            )
        }
    }

    /// "Undone: the note of NIB · sk-standar is back to its previous text (12
    /// characters)." / "... is empty again."
    pub fn undone_note(&self, redo: bool, code: &str, ind: &str, chars: usize) -> String {
        let w = self.undo_word(redo);
        if chars == 0 {
            self.pick(
                format!("{w}: catatan {code} · {ind} kosong lagi."),
                format!("{w}: the note of {code} · {ind} is empty again."),
            )
        } else if redo {
            self.pick(
                format!("{w}: catatan {code} · {ind} kembali ke teks yang disimpan ({chars} karakter)."),
                format!("{w}: the note of {code} · {ind} is back to the text saved ({chars} characters)."),
            )
        } else {
            self.pick(
                format!("{w}: catatan {code} · {ind} kembali ke teks sebelumnya ({chars} karakter)."),
                format!("{w}: the note of {code} · {ind} is back to its previous text ({chars} characters)."),
            )
        }
    }

    /// "Undone: evidence X removed from NIB · sk-standar (kept in the audit log)." /
    /// "... is back on ...".
    pub fn undone_evidence(
        &self,
        redo: bool,
        code: &str,
        ind: &str,
        reference: &str,
        attached: bool,
    ) -> String {
        let w = self.undo_word(redo);
        if attached {
            self.pick(
                format!("{w}: bukti {reference} kembali pada {code} · {ind}."),
                format!("{w}: evidence {reference} is back on {code} · {ind}."),
            )
        } else {
            self.pick(
                format!("{w}: bukti {reference} dilepas dari {code} · {ind} (tetap tercatat di log audit)."),
                format!("{w}: evidence {reference} removed from {code} · {ind} (kept in the audit log)."),
            )
        }
    }

    pub fn undone_final(&self, redo: bool, path: &str, finalized: bool) -> String {
        let w = self.undo_word(redo);
        if finalized {
            self.pick(
                format!("{w}: {path} final lagi (hanya-baca)."),
                format!("{w}: {path} is finalized again (read-only)."),
            )
        } else {
            self.pick(
                format!("{w}: {path} dibuka kembali (tadinya final)."),
                format!("{w}: {path} reopened (it was finalized)."),
            )
        }
    }

    pub fn evidence_removed(&self, reference: &str, code: &str, ind: &str) -> String {
        self.pick(
            format!("Tersimpan: bukti {reference} dilepas dari {code} · {ind} (tetap tercatat di log audit)."),
            format!("Saved: evidence {reference} removed from {code} · {ind} (kept in the audit log)."),
        )
    }

    pub fn no_evidence_to_remove(&self) -> &'static str {
        pick(
            self,
            (
                "Indikator ini belum punya bukti dukung.",
                "This indicator has no evidence.",
            ),
        )
    }

    pub fn pick_evidence_title(&self) -> &'static str {
        pick(self, ("Lepas bukti dukung", "Remove evidence"))
    }

    pub fn pick_evidence_line(&self, keys: &KeyMap) -> String {
        self.pick(
            format!(
                "{}/{} pilih · {} lepas · {} batal",
                keys.key(Action::Down),
                keys.key(Action::Up),
                keys.key(Action::Open),
                keys.key(Action::Back)
            ),
            format!(
                "{}/{} choose · {} remove · {} cancel",
                keys.key(Action::Down),
                keys.key(Action::Up),
                keys.key(Action::Open),
                keys.key(Action::Back)
            ),
        )
    }

    pub fn remove_question(&self, reference: &str, keys: &KeyMap) -> String {
        let y = keys.key(ConfirmAction::Yes);
        self.pick(
            format!("Lepas bukti {reference}? Tetap tercatat di log audit dan dapat dikembalikan dengan {}. {y} = lepas · {}", keys.key(Action::Undo), self.any_other_cancels),
            format!("Remove evidence {reference}? It stays in the audit log and {} brings it back. {y} = remove · {}", keys.key(Action::Undo), self.any_other_cancels),
        )
    }

    /// The evidence reference names no file: a document number?
    pub fn document_question(&self, reference: &str, keys: &KeyMap) -> String {
        let y = keys.key(ConfirmAction::Yes);
        self.pick(
            format!("Tidak ada berkas {reference}. Simpan sebagai nomor dokumen? {y} = ya · tombol lain = kembali ke isian"),
            format!("There is no file {reference}. Save it as a document number? {y} = yes · any other key = back to the prompt"),
        )
    }

    pub fn completions(&self, n: usize) -> String {
        self.pick(format!("{n} yang cocok:"), format!("{n} match:"))
    }

    pub fn no_completion(&self, typed: &str) -> String {
        self.pick(
            format!("Tidak ada berkas yang namanya dimulai dengan {typed}."),
            format!("No file's name starts with {typed}."),
        )
    }

    pub fn unit_done(&self, unit: &str) -> String {
        self.pick(
            format!("Semua produk unit {unit} sudah lengkap atau final."),
            format!("Every product of unit {unit} is complete or finalized."),
        )
    }

    pub fn nothing_unanswered(&self) -> &'static str {
        pick(
            self,
            (
                "Semua produk di sini sudah lengkap atau final.",
                "Every product here is complete or finalized.",
            ),
        )
    }

    pub fn next_product(&self, code: &str, missing: usize) -> String {
        self.pick(
            format!("{code}: {missing} indikator belum dijawab."),
            format!("{code}: {missing} indicator(s) unanswered."),
        )
    }

    /// Said when an answer completes a product.
    pub fn complete_next(&self, finalize: &str, next: &str) -> String {
        self.pick(
            format!("produk lengkap: {finalize} finalisasi, {next} produk berikutnya"),
            format!("product complete: {finalize} finalizes, {next} goes to the next"),
        )
    }

    pub fn search_title(&self) -> &'static str {
        pick(self, ("Cari", "Search"))
    }

    pub fn search_explain(&self) -> &'static str {
        pick(
            self,
            (
                "Instansi, unit, produk, atau indikator produk ini, menurut kode atau nama:",
                "Agency, unit, product, or an indicator of this product, by code or name:",
            ),
        )
    }

    pub fn no_hits(&self) -> &'static str {
        pick(self, ("Tidak ada yang cocok.", "Nothing matches."))
    }

    pub fn indicator_word(&self) -> &'static str {
        pick(self, ("Indikator", "Indicator"))
    }

    pub fn search_hint(&self, keys: &KeyMap) -> String {
        self.pick(
            format!(
                "{} ke sana · {}/{} pilih · {} tutup",
                keys.key(FilterAction::Done),
                keys.key(FilterAction::Down),
                keys.key(FilterAction::Up),
                keys.key(FilterAction::Cancel)
            ),
            format!(
                "{} go there · {}/{} choose · {} close",
                keys.key(FilterAction::Done),
                keys.key(FilterAction::Down),
                keys.key(FilterAction::Up),
                keys.key(FilterAction::Cancel)
            ),
        )
    }

    pub fn history_title(&self) -> &'static str {
        pick(self, ("Riwayat", "History"))
    }

    pub fn history_empty(&self) -> &'static str {
        pick(
            self,
            (
                "Belum ada perubahan yang tercatat.",
                "No change recorded yet.",
            ),
        )
    }

    pub fn history_hint(&self, keys: &KeyMap, whole: bool) -> String {
        let what = if whole {
            pick(self, ("indikator", "indicator"))
        } else {
            pick(self, ("seluruh produk", "whole product"))
        };
        self.pick(
            format!(
                "{}/{} gulir · {} {what} · {} tutup",
                keys.key(Action::Down),
                keys.key(Action::Up),
                keys.key(Action::NextPane),
                keys.key(Action::Back)
            ),
            format!(
                "{}/{} scroll · {} {what} · {} close",
                keys.key(Action::Down),
                keys.key(Action::Up),
                keys.key(Action::NextPane),
                keys.key(Action::Back)
            ),
        )
    }

    /// One audit row, what it did: "value: unanswered → ✓", "reopened: «reason»".
    pub fn history_change(&self, action: &str, old: &str, new: &str) -> String {
        let shorten = |s: &str| {
            let one: String = s.replace('\n', " ⏎ ");
            if one.chars().count() > 60 {
                format!("{}…", one.chars().take(59).collect::<String>())
            } else {
                one
            }
        };
        let (old, new) = (shorten(old), shorten(new));
        match (action, self.lang) {
            ("value", Lang::Id) => format!("nilai: {old} → {new}"),
            ("value", Lang::En) => format!("value: {old} → {new}"),
            ("note", Lang::Id) if old.is_empty() => format!("catatan ditulis: «{new}»"),
            ("note", Lang::En) if old.is_empty() => format!("note written: «{new}»"),
            ("note", Lang::Id) => format!("catatan: «{old}» → «{new}»"),
            ("note", Lang::En) => format!("note: «{old}» → «{new}»"),
            ("evidence", Lang::Id) => format!("bukti dilampirkan: {new}"),
            ("evidence", Lang::En) => format!("evidence attached: {new}"),
            ("evidence_removed", Lang::Id) => format!("bukti dilepas: {old}"),
            ("evidence_removed", Lang::En) => format!("evidence removed: {old}"),
            ("evidence_restored", Lang::Id) => format!("bukti dikembalikan: {new}"),
            ("evidence_restored", Lang::En) => format!("evidence put back: {new}"),
            ("finalize", Lang::Id) => "difinalisasi".into(),
            ("finalize", Lang::En) => "finalized".into(),
            ("reopen", Lang::Id) => format!("dibuka kembali, alasan: «{new}»"),
            ("reopen", Lang::En) => format!("reopened, reason: «{new}»"),
            (other, _) => format!("{other}: {old} → {new}"),
        }
    }

    /// What went wrong, in the UI's language.
    pub fn failure(&self, f: &Failure) -> String {
        match f {
            Failure::DiskFull => self.pick(
                "Disk penuh: perubahan ini tidak tersimpan, yang sebelumnya aman. Kosongkan sebagian disk lalu coba lagi.".into(),
                "The disk is full: this change was not saved, earlier ones are safe. Free some space and try again.".into(),
            ),
            Failure::Busy => self.pick(
                "Basis data sedang dipakai patuh lain: tutup di sana lalu coba lagi.".into(),
                "The database is in use by another patuh: close it there, then try again.".into(),
            ),
            Failure::NotWritable { detail } => self.pick(
                format!("Basis data tidak dapat ditulis ({detail}): periksa bahwa berkas dan foldernya boleh ditulis."),
                format!("The database cannot be written ({detail}): check that the file and its folder are writable."),
            ),
            Failure::DiskFailure { detail } => self.pick(
                format!("Tidak dapat menulis ke disk ({detail}: penuh, dicabut, atau melewati batas ukuran?); perubahan ini tidak tersimpan, yang sebelumnya aman."),
                format!("Cannot write to the disk ({detail}: full, removed, or over a size limit?); this change was not saved, earlier ones are safe."),
            ),
            Failure::Damaged { detail } => self.pick(
                format!("Basis data rusak ({detail}): pulihkan dari cadangan atau ekspor."),
                format!("The database is damaged ({detail}): restore it from a backup or an export."),
            ),
            Failure::Finalized { product } => self.pick(
                format!("{product} sudah difinalisasi (di tempat lain) dan hanya-baca; buka kembali dengan alasan untuk mengubahnya."),
                format!("{product} was finalized (elsewhere) and is read-only; reopen it with a reason to change it."),
            ),
            Failure::NoKey => self.pick(
                "Belum ada kunci penanda tangan: buat dengan `patuh keys init --name NAMA --id ID`, lalu ekspor lagi.".into(),
                "No signing key yet: create one with `patuh keys init --name NAME --id ID`, then export again.".into(),
            ),
            Failure::KeyUnusable { detail } => self.pick(
                format!("Kunci penanda tangan tidak dapat dipakai: {detail}"),
                format!("The signing key cannot be used: {detail}"),
            ),
            Failure::File { path, problem } => format!("{path}: {}", self.file_problem(problem)),
            Failure::Other(detail) => detail.clone(),
        }
    }

    /// Why a file cannot be used.
    pub fn file_problem(&self, p: &FileProblem) -> String {
        match p {
            FileProblem::NotFound => pick(self, ("tidak ada", "does not exist")).into(),
            FileProblem::PermissionDenied => {
                pick(self, ("tidak diizinkan (hak akses)", "permission denied")).into()
            }
            FileProblem::Special(kind) => self.pick(
                format!(
                    "adalah {}, bukan berkas biasa; patuh hanya membaca dan menulis berkas biasa",
                    self.file_kind(*kind)
                ),
                format!(
                    "is {}, not a regular file; patuh reads and writes regular files only",
                    self.file_kind(*kind)
                ),
            ),
            FileProblem::Exposed { chmod } => self.pick(
                format!("dapat dibaca atau diubah orang lain; jadikan pribadi dengan `{chmod}`"),
                format!("others can read or change it; make it private with `{chmod}`"),
            ),
            FileProblem::Io(detail) => detail.clone(),
        }
    }

    pub fn file_kind(&self, k: FileKind) -> &'static str {
        pick(
            self,
            match k {
                FileKind::Folder => ("folder", "a folder"),
                FileKind::Fifo => ("FIFO (pipa bernama)", "a FIFO (named pipe)"),
                FileKind::Device => ("perangkat", "a device"),
                FileKind::Socket => ("soket", "a socket"),
                FileKind::Link => ("tautan simbolik", "a symbolic link"),
                FileKind::Other => ("bukan berkas biasa", "not a regular file"),
            },
        )
    }

    /// A folder, FIFO or device given as evidence.
    pub fn evidence_special(&self, path: &str, kind: FileKind) -> String {
        let k = self.file_kind(kind);
        self.pick(
            format!("{path} adalah {k}: bukti dukung harus berkas biasa (atau nomor dokumen). Tidak ada yang disimpan."),
            format!("{path} is {k}: evidence must be a regular file (or a document number). Nothing was saved."),
        )
    }
}

/// What format 2 adds to the workstation: the checklists of units and agencies, rosters
/// of respondents, questionnaires, data values, categories and the path to the next one.
impl Ui {
    /// Enter on a role's row, said when a value key is pressed there.
    pub fn on_role_hint(&self, open: &str) -> String {
        self.pick(
            format!("{open} membuka daftar responden peran ini; jawaban diisi per responden."),
            format!("{open} opens this role's respondents; answers are entered per respondent."),
        )
    }

    /// A value key on the row of a node below.
    pub fn on_child_hint(&self, open: &str) -> String {
        self.pick(
            format!("{open} membukanya; nilai diisi di daftar periksanya."),
            format!("{open} opens it; values are entered on its checklist."),
        )
    }

    /// A level typed on an interview indicator of the node itself.
    pub fn answered_by_respondents(&self, role: &str, open: &str) -> String {
        self.pick(
            format!(
                "Indikator ini dijawab setiap {role} yang diwawancarai: {open} pada baris {role} membuka daftarnya, lalu kuesioner tiap responden."
            ),
            format!(
                "Each {role} interviewed answers this indicator: {open} on the {role} row opens them, then each one's questionnaire."
            ),
        )
    }

    /// A level typed on a data indicator.
    pub fn answered_by_data(&self, open: &str) -> String {
        self.pick(
            format!("Nilai ini diambil dari data instansi lain: {open} mengisinya dengan sumbernya."),
            format!("This value comes from another institution's data: {open} enters it with its source."),
        )
    }

    pub fn respondent_gone(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Responden itu sudah tidak ada.",
            Lang::En => "That respondent is no longer there.",
        }
    }

    pub fn no_role_here(&self) -> &'static str {
        match self.lang {
            Lang::Id => {
                "Tidak ada peran di sini: tambah responden di baris peran, daftar responden atau kuesioner."
            }
            Lang::En => {
                "No role here: respondents are added on a role's row, its roster or a questionnaire."
            }
        }
    }

    pub fn no_respondent_here(&self) -> &'static str {
        match self.lang {
            Lang::Id => {
                "Pilih responden di daftar responden (atau buka kuesionernya) untuk menghapusnya."
            }
            Lang::En => {
                "Highlight a respondent in a roster (or open its questionnaire) to remove it."
            }
        }
    }

    pub fn removal_reason_needed(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Menghapus responden perlu alasan.",
            Lang::En => "Removing a respondent needs a reason.",
        }
    }

    /// "Pelaksana 3 added at DUKCAPIL (3/4)."
    pub fn respondent_added(&self, name: &str, node: &str, count: usize, required: u32) -> String {
        self.pick(
            format!("{name} ditambahkan di {node} ({count}/{required})."),
            format!("{name} added at {node} ({count}/{required})."),
        )
    }

    pub fn respondent_removed(&self, name: &str, reason: &str) -> String {
        self.pick(
            format!("{name} dihapus ({reason}); jawabannya tidak dihitung lagi."),
            format!("{name} removed ({reason}); its answers no longer count."),
        )
    }

    pub fn data_source_needed(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Sebutkan sumber datanya (mis. KemenPAN-RB, IKM 2024).",
            Lang::En => "Name the data's source (e.g. KemenPAN-RB, IKM 2024).",
        }
    }

    /// The roster's title word.
    pub fn roster_title(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Responden",
            Lang::En => "Respondents",
        }
    }

    /// The roster's column titles: number, position, answers.
    pub fn roster_columns(&self) -> [&'static str; 3] {
        match self.lang {
            Lang::Id => ["No.", "Jabatan", "Terisi"],
            Lang::En => ["No.", "Position", "Done"],
        }
    }

    /// The roster's last row: "+ new Pelaksana (5)".
    pub fn new_respondent_row(&self, role: &str, number: u32) -> String {
        self.pick(
            format!("+ {role} baru ({number})"),
            format!("+ new {role} ({number})"),
        )
    }

    pub fn no_position(&self) -> &'static str {
        match self.lang {
            Lang::Id => "(tanpa jabatan)",
            Lang::En => "(no position)",
        }
    }

    pub fn respondent_prompt_title(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Responden baru",
            Lang::En => "New respondent",
        }
    }

    pub fn respondent_prompt_explain(&self) -> &'static str {
        match self.lang {
            Lang::Id => {
                "Jabatan (boleh kosong), mis. Kepala Dinas. Jangan nama orang (UU 27/2022)."
            }
            Lang::En => {
                "Position (may be empty), e.g. Kepala Dinas. Never a person's name (Law 27/2022)."
            }
        }
    }

    pub fn removal_title(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Hapus responden",
            Lang::En => "Remove a respondent",
        }
    }

    pub fn removal_explain(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Alasan (dicatat di log audit); jawabannya disimpan tetapi tidak dihitung:",
            Lang::En => {
                "Reason (goes into the audit log); its answers are kept but no longer count:"
            }
        }
    }

    /// The role has the respondents it needs: add another one?
    pub fn more_question(&self, role: &str, count: usize, required: u32, keys: &KeyMap) -> String {
        let yes = keys.key(ConfirmAction::Yes);
        self.pick(
            format!(
                "{role} {count}/{required}: responden yang diperlukan sudah lengkap. Tambah satu lagi? {yes} = tambah · tombol lain = ke daftar responden"
            ),
            format!(
                "{role} {count}/{required}: every respondent needed is in. Add another one? {yes} = add · any other key = back to the roster"
            ),
        )
    }

    pub fn data_title(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Nilai dari data instansi lain",
            Lang::En => "Value from another institution's data",
        }
    }

    pub fn data_value_explain(&self, max: u32) -> String {
        self.pick(
            format!("Angka desimal 0..{max} dengan titik (82.35); kosong = hapus nilainya:"),
            format!("A decimal number in 0..{max} with a dot (82.35); empty clears it:"),
        )
    }

    pub fn data_source_explain(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Sumber nilai itu (mis. KemenPAN-RB, IKM 2024):",
            Lang::En => "Where the value comes from (e.g. KemenPAN-RB, IKM 2024):",
        }
    }

    /// The detail pane's word for the data value's source.
    pub fn source_word(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Sumber",
            Lang::En => "Source",
        }
    }

    /// The detail pane of a data indicator without a value yet.
    pub fn data_missing(&self, open: &str) -> String {
        self.pick(
            format!("belum ada nilai: {open} mengisinya"),
            format!("no value yet: {open} enters it"),
        )
    }

    /// The detail pane of an interview indicator: who answered what.
    pub fn answers_word(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Jawaban",
            Lang::En => "Answers",
        }
    }

    /// The detail pane of a role's row.
    pub fn role_detail(
        &self,
        role: &str,
        count: usize,
        required: u32,
        open: &str,
        add: &str,
    ) -> String {
        self.pick(
            format!(
                "{role}: {count} dari {required} responden diwawancarai. {open} membuka daftarnya, {add} menambah satu."
            ),
            format!(
                "{role}: {count} of {required} respondents interviewed. {open} opens them, {add} adds one."
            ),
        )
    }

    /// The questionnaire's title word.
    pub fn questionnaire(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Kuesioner",
            Lang::En => "Questionnaire",
        }
    }

    /// The score panel's line before the steps to the next category.
    pub fn next_category(&self, code: &str) -> String {
        self.pick(
            format!("Ke kategori {code}:"),
            format!("To category {code}:"),
        )
    }

    /// When even every answer at its best does not reach the next category.
    pub fn unreachable(&self) -> &'static str {
        match self.lang {
            Lang::Id => "tidak tercapai walau semua dipenuhi",
            Lang::En => "not reached even with all fulfilled",
        }
    }

    /// The score panel in the top category.
    pub fn top_category(&self) -> &'static str {
        match self.lang {
            Lang::Id => "Kategori tertinggi tercapai",
            Lang::En => "Top category reached",
        }
    }

    /// A product of an instrument that answers nothing per product.
    pub fn no_product_level(&self) -> &'static str {
        match self.lang {
            Lang::Id => {
                "Instrumen ini tidak menilai per produk: indikatornya dijawab per unit dan instansi."
            }
            Lang::En => {
                "This instrument assesses nothing per product: its indicators are answered per unit and agency."
            }
        }
    }
}

/// The reviewer's workstation (`patuh review --db central.db`, `tui::review`).
pub struct ReviewText {
    pub title: &'static str,
    pub col_assessor: &'static str,
    pub col_product: &'static str,
    pub col_state: &'static str,
    pub col_answered: &'static str,
    pub col_conflicts: &'static str,
    pub col_indicator: &'static str,
    pub col_used: &'static str,
    pub empty: &'static str,
    pub list_keys: &'static str,
    pub cells_keys: &'static str,
    pub prompt_comment: &'static str,
    pub prompt_reason: &'static str,
    pub prompt_keys: &'static str,
    pub say_why: &'static str,
    pub not_a_conflict: &'static str,
    pub note: &'static str,
    pub evidence: &'static str,
    pub resolved: &'static str,
    pub approved: &'static str,
    pub approved_already: &'static str,
    pub returned: &'static str,
    pub taken: &'static str,
}

static REVIEW_ID: ReviewText = ReviewText {
    title: "Telaah",
    col_assessor: "Penilai",
    col_product: "Produk",
    col_state: "Telaah",
    col_answered: "Terjawab",
    col_conflicts: "Beda",
    col_indicator: "Indikator",
    col_used: "Dipakai",
    empty: "Belum ada hasil yang digabung di basis data ini.",
    list_keys: "j/k · Enter berdampingan · a setujui · r kembalikan · g muat ulang · q keluar",
    cells_keys: "j/k · ] beda · Tab penilai · t ambil · r kembalikan · a setujui · Esc kembali",
    prompt_comment: "Catatan pengembalian",
    prompt_reason: "Alasan memakai nilai ini",
    prompt_keys: "Enter simpan · Esc batal",
    say_why: "Tulis dulu catatannya atau alasannya.",
    not_a_conflict: "Para penilai menjawab sama di sini: tidak ada yang perlu dipilih.",
    note: "catatan",
    evidence: "bukti",
    resolved: "diselesaikan",
    approved: "Disetujui",
    approved_already: "Sudah disetujui; tidak ada yang berubah",
    returned: "Dikembalikan dengan catatan",
    taken: "Nilai dipakai",
};

static REVIEW_EN: ReviewText = ReviewText {
    title: "Review",
    col_assessor: "Assessor",
    col_product: "Product",
    col_state: "Review",
    col_answered: "Answered",
    col_conflicts: "Differ",
    col_indicator: "Indicator",
    col_used: "Used",
    empty: "No results merged into this database yet.",
    list_keys: "j/k choose · Enter side by side · a approve · r return · g reload · q quit",
    cells_keys: "j/k · ] next ≠ · Tab assessor · t take value · r return · a approve · Esc back",
    prompt_comment: "Comment of the return",
    prompt_reason: "Why this value",
    prompt_keys: "Enter save · Esc cancel",
    say_why: "Write the comment or the reason first.",
    not_a_conflict: "The assessors answered alike here: nothing to choose.",
    note: "note",
    evidence: "evidence",
    resolved: "resolved",
    approved: "Approved",
    approved_already: "Approved already; nothing changed",
    returned: "Returned with the comment",
    taken: "Value taken",
};

/// The reviewer's workstation's text in `lang`.
pub fn review(lang: Lang) -> &'static ReviewText {
    match lang {
        Lang::Id => &REVIEW_ID,
        Lang::En => &REVIEW_EN,
    }
}
