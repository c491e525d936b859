//! The start screen: host a room or join one, with inputs checked before
//! anything is started. Its values are remembered between runs.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::net::{HostConfig, JoinConfig};
use crate::setup::{AddressError, HostBuilder, JoinBuilder, JoinTarget, reason};
use crate::tr;

/// What the start screen's fields hold (and what is remembered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StartForm {
    /// Host: address to listen on.
    pub bind: String,
    /// Host: our nickname.
    pub host_nick: String,
    /// Host: certificate PEM path; empty means "generate for me".
    pub cert: String,
    /// Host: key PEM path.
    pub key: String,
    /// Join: `host:port`.
    pub target: String,
    /// Join: our nickname.
    pub join_nick: String,
    /// Join: an extra CA file, optional.
    pub ca: String,
    /// Host: CA (PEM) to verify members' certificates with, optional.
    pub client_ca: String,
    /// Host: who may come in (invite-only by default).
    pub access: crate::net::Access,
    /// Join: our certificate (PEM) for hosts that ask, optional.
    pub join_cert: String,
    /// Join: its key (PEM).
    pub join_key: String,
    /// Both (advanced): only this TLS version, `1.2` or `1.3`; empty
    /// offers (or, hosting, accepts) both.
    pub tls_version: String,
    /// Both (advanced): the key-exchange groups to offer or accept, by
    /// name, in the default order of preference; empty for all of them.
    pub groups: Vec<String>,
}

impl Default for StartForm {
    fn default() -> Self {
        let nick = crate::setup::default_nick("me");
        Self {
            bind: format!("127.0.0.1:{}", crate::net::DEFAULT_PORT),
            host_nick: nick.clone(),
            cert: String::new(),
            key: String::new(),
            target: format!("localhost:{}", crate::net::DEFAULT_PORT),
            join_nick: nick,
            ca: String::new(),
            client_ca: String::new(),
            access: crate::net::Access::default(),
            join_cert: String::new(),
            join_key: String::new(),
            tls_version: String::new(),
            groups: Vec::new(),
        }
    }
}

/// What each way in means, for the start screen.
fn access_choices() -> [(crate::net::Access, String, String); 3] {
    [
        (
            crate::net::Access::Invite,
            tr!("start-access-invite"),
            tr!("start-access-invite-hint"),
        ),
        (
            crate::net::Access::Knock,
            tr!("start-access-knock"),
            tr!("start-access-knock-hint"),
        ),
        (
            crate::net::Access::Open,
            tr!("start-access-open"),
            tr!("start-access-open-hint"),
        ),
    ]
}

/// The host's choice of who may come in (one row of the host form).
fn access_ui(ui: &mut egui::Ui, access: &mut crate::net::Access) {
    ui.label(tr!("start-who-may-come-in"));
    ui.horizontal(|ui| {
        for (choice, label, hint) in access_choices() {
            ui.radio_value(access, choice, label).on_hover_text(hint);
        }
    });
    ui.end_row();
}

/// The start screen's fields that name a PEM file (each has "Browse…").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemField {
    /// Host: certificate.
    Cert,
    /// Host: key.
    Key,
    /// Host: CA for members' certificates.
    ClientCa,
    /// Join: extra CA.
    Ca,
    /// Join: our certificate.
    JoinCert,
    /// Join: its key.
    JoinKey,
}

impl StartForm {
    /// The text of a PEM field.
    pub fn pem_field(&mut self, field: PemField) -> &mut String {
        match field {
            PemField::Cert => &mut self.cert,
            PemField::Key => &mut self.key,
            PemField::ClientCa => &mut self.client_ca,
            PemField::Ca => &mut self.ca,
            PemField::JoinCert => &mut self.join_cert,
            PemField::JoinKey => &mut self.join_key,
        }
    }
}

/// A field of the start screen that can have a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Host: the address to listen on.
    Bind,
    /// Host: our nickname.
    HostNick,
    /// Join: `host:port` or an invite link.
    Target,
    /// Join: our nickname.
    JoinNick,
    /// A PEM file's field.
    Pem(PemField),
    /// Both (advanced): the TLS version and key-exchange groups.
    Tls,
}

/// What is wrong with a field, in one line.
#[derive(Debug, thiserror::Error)]
pub enum FieldProblem {
    /// A file that must be given is not.
    #[error("choose the {0} file")]
    NotChosen(&'static str),
    /// The path names something other than a file.
    #[error("{} is not a file", .0.display())]
    NotAFile(PathBuf),
    /// The path cannot be looked at.
    #[error("{}: {source}", .path.display())]
    Unreadable {
        /// The path as typed (trimmed).
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// An address or a host to join that is not one.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// A nickname the room would refuse: why.
    #[error("{0}")]
    Nick(String),
    /// TLS options that cannot be used together: why.
    #[error("{0}")]
    Tls(String),
}

impl FieldProblem {
    /// The problem in the window's language (the display form is English).
    #[must_use]
    pub fn text(&self) -> String {
        match self {
            Self::NotChosen(what) => {
                let what = match *what {
                    "certificate" => tr!("start-file-certificate"),
                    "key" => tr!("start-file-key"),
                    "client CA" => tr!("start-file-client-ca"),
                    _ => tr!("start-file-ca"),
                };
                tr!("start-problem-choose", what = what)
            }
            Self::NotAFile(path) => {
                tr!(
                    "start-problem-not-a-file",
                    path = path.display().to_string()
                )
            }
            Self::Address(e) => address_text(e),
            _ => self.to_string(),
        }
    }
}

/// An address's problem in the window's language (an invite link's, or a
/// host name's, stays as its display form says it).
fn address_text(e: &AddressError) -> String {
    use crate::net::safe_text::quoted;
    use crate::setup::HostPortProblem;
    match e {
        AddressError::NotHostPort { text, why } => {
            let why = match why {
                HostPortProblem::Port => tr!("start-address-port"),
                HostPortProblem::MissingBracket => tr!("start-address-missing-bracket"),
                HostPortProblem::AfterBracket => tr!("start-address-after-bracket"),
                HostPortProblem::EmptyHost => tr!("start-address-empty-host"),
            };
            tr!(
                "start-address-not-host-port",
                text = quoted(text),
                why = why
            )
        }
        AddressError::NotListenable { text } => {
            tr!("start-address-not-listenable", text = quoted(text))
        }
        _ => e.to_string(),
    }
}

/// Problems with the host (or join) fields, one per field that has one.
#[derive(Debug, Default)]
pub struct Problems {
    /// Per field, its problem.
    pub fields: Vec<(Field, FieldProblem)>,
}

impl Problems {
    /// The problem with a field, if any.
    #[must_use]
    pub fn get(&self, field: Field) -> Option<&FieldProblem> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, problem)| problem)
    }

    /// `result`'s value; or `None`, its problem noted against `field`.
    fn check<T>(&mut self, field: Field, result: Result<T, impl Into<FieldProblem>>) -> Option<T> {
        result.map_err(|e| self.fields.push((field, e.into()))).ok()
    }
}

fn check_file(path: &str, what: &'static str) -> Result<PathBuf, FieldProblem> {
    let p = Path::new(path.trim());
    if path.trim().is_empty() {
        return Err(FieldProblem::NotChosen(what));
    }
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() => Ok(p.to_path_buf()),
        Ok(_) => Err(FieldProblem::NotAFile(p.to_path_buf())),
        Err(source) => Err(FieldProblem::Unreadable {
            path: p.to_path_buf(),
            source,
        }),
    }
}

/// An optional file: empty is fine (`Some(None)`), anything else must
/// exist; `None` when it does not (its problem noted).
fn optional_file(
    path: &str,
    what: &'static str,
    field: PemField,
    p: &mut Problems,
) -> Option<Option<PathBuf>> {
    if path.trim().is_empty() {
        return Some(None);
    }
    p.check(Field::Pem(field), check_file(path, what)).map(Some)
}

/// A certificate and key pair: both empty (`Some(None)`), or both existing
/// files; `None` when not (the problems noted).
fn pair(
    cert: &str,
    key: &str,
    fields: (PemField, PemField),
    p: &mut Problems,
) -> Option<Option<(PathBuf, PathBuf)>> {
    if cert.trim().is_empty() && key.trim().is_empty() {
        return Some(None);
    }
    let c = p.check(Field::Pem(fields.0), check_file(cert, "certificate"));
    let k = p.check(Field::Pem(fields.1), check_file(key, "key"));
    Some(Some((c?, k?)))
}

fn check_nick(nick: &str) -> Result<String, FieldProblem> {
    crate::net::nick::normalize(nick).map_err(|e| FieldProblem::Nick(reason(e)))
}

impl StartForm {
    /// The TLS options the advanced section asks for (with the key log
    /// `SSLKEYLOGFILE` names), checked as the command line checks
    /// `--tls-version` and `--groups`.
    fn tls_options(&self, p: &mut Problems) -> Option<crate::net::TlsOptions> {
        let mut tls = crate::net::TlsOptions::from_env();
        let checked = (|| -> Result<(), String> {
            if !self.tls_version.is_empty() {
                tls.version =
                    Some(crate::net::tlsopts::parse_version(&self.tls_version).map_err(reason)?);
            }
            if !self.groups.is_empty() {
                tls.groups = Some(
                    crate::net::tlsopts::parse_groups(&self.groups.join(",")).map_err(reason)?,
                );
            }
            tls.provider().map(|_| ()).map_err(reason)
        })();
        p.check(Field::Tls, checked.map_err(FieldProblem::Tls))?;
        Some(tls)
    }

    /// Checks the host fields; on success, the configuration to host with.
    pub fn host_config(&self, config_dir: &Path) -> Result<HostConfig, Problems> {
        let mut p = Problems::default();
        let bind = p.check(Field::Bind, crate::setup::parse_bind(self.bind.trim()));
        let nick = p.check(Field::HostNick, check_nick(&self.host_nick));
        let identity = pair(
            &self.cert,
            &self.key,
            (PemField::Cert, PemField::Key),
            &mut p,
        );
        let client_ca = optional_file(&self.client_ca, "client CA", PemField::ClientCa, &mut p);
        let tls = self.tls_options(&mut p);
        match (bind, nick, identity, client_ca, tls) {
            (Some(bind), Some(nick), Some(identity), Some(client_ca), Some(tls)) => {
                Ok(HostBuilder::new(bind, nick, config_dir.to_path_buf())
                    .identity(identity)
                    .client_ca(client_ca)
                    .door(crate::net::DoorConfig {
                        access: self.access,
                        ..crate::net::DoorConfig::default()
                    })
                    .tls(tls)
                    .build())
            }
            _ => Err(p),
        }
    }

    /// Checks the join fields; on success, the configuration to join with.
    pub fn join_config(&self, config_dir: &Path) -> Result<JoinConfig, Problems> {
        let mut p = Problems::default();
        // An invite link carries its pin: joining with it trusts exactly
        // that certificate and remembers it, as `join --pin` does.
        let target = p.check(Field::Target, JoinTarget::parse(self.target.trim()));
        let nick = p.check(Field::JoinNick, check_nick(&self.join_nick));
        let ca = optional_file(&self.ca, "CA", PemField::Ca, &mut p);
        let identity = pair(
            &self.join_cert,
            &self.join_key,
            (PemField::JoinCert, PemField::JoinKey),
            &mut p,
        );
        let tls = self.tls_options(&mut p);
        match (target, nick, ca, identity, tls) {
            (Some(target), Some(nick), Some(ca), Some(identity), Some(tls)) => {
                Ok(JoinBuilder::new(target, nick, config_dir.to_path_buf())
                    .ca_files(ca.into_iter().collect())
                    .identity(identity)
                    .tls(tls)
                    .build())
            }
            _ => Err(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_fields_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let mut f = StartForm {
            bind: "127.0.0.1:99999".into(),
            host_nick: "two words".into(),
            ..StartForm::default()
        };
        let p = f.host_config(dir.path()).unwrap_err();
        assert!(p.get(Field::Bind).is_some());
        assert!(p.get(Field::HostNick).is_some());
        f.bind = "127.0.0.1:0".into();
        f.host_nick = "hana".into();
        f.cert = dir.path().join("missing.pem").display().to_string();
        let p = f.host_config(dir.path()).unwrap_err();
        assert!(
            p.get(Field::Pem(PemField::Cert))
                .unwrap()
                .to_string()
                .contains("missing.pem")
        );
        assert!(
            p.get(Field::Pem(PemField::Key))
                .unwrap()
                .to_string()
                .contains("choose the key")
        );
        f.cert.clear();
        let ok = f.host_config(dir.path()).unwrap();
        assert_eq!(ok.identity, None, "no files means a generated certificate");
        assert_eq!(
            ok.door.access,
            crate::net::Access::Invite,
            "invite-only by default"
        );
        f.access = crate::net::Access::Open;
        assert_eq!(
            f.host_config(dir.path()).unwrap().door.access,
            crate::net::Access::Open
        );
    }

    #[test]
    fn address_problems_in_both_languages() {
        use crate::i18n::{Lang, set_thread};
        let words = ["端口", "缺少", "之后", "为空"];
        // (No host names: a name would be looked up.)
        for bind in ["127.0.0.1:99999", "[::1", "[::1]x", ":7443"] {
            let f = StartForm {
                bind: bind.into(),
                ..StartForm::default()
            };
            let p = f.host_config(Path::new("/tmp")).unwrap_err();
            let problem = p.get(Field::Bind).unwrap();
            set_thread(Lang::En);
            assert_eq!(problem.text(), problem.to_string());
            set_thread(Lang::ZhCn);
            let zh = problem.text();
            set_thread(None);
            assert!(words.iter().any(|w| zh.contains(w)), "{bind}: {zh}");
        }
    }

    #[test]
    fn join_fields_are_checked() {
        let mut f = StartForm {
            target: "example.org:0".into(),
            ..StartForm::default()
        };
        assert!(
            f.join_config(std::path::Path::new("/tmp"))
                .unwrap_err()
                .get(Field::Target)
                .is_some()
        );
        f.target = "example.org:7443".into();
        f.ca = "/nonexistent/ca.pem".into();
        assert!(
            f.join_config(std::path::Path::new("/tmp"))
                .unwrap_err()
                .get(Field::Pem(PemField::Ca))
                .is_some()
        );
        f.ca.clear();
        let c = f.join_config(std::path::Path::new("/tmp")).unwrap();
        assert_eq!((c.host.as_str(), c.port), ("example.org", 7443));
    }
}

/// What the start screen asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAction {
    /// Host with the form's values.
    Host,
    /// Join with the form's values.
    Join,
    /// Forget what is known of this `host:port`.
    Forget(String),
    /// Choose the file of this field in a file dialog.
    Browse(PemField),
}

/// The known hosts as the start screen lists them.
#[derive(Debug)]
pub struct KnownHosts {
    /// The entries, or why they could not be read.
    pub entries: Result<Vec<crate::net::pins::PinEntry>, crate::net::pins::PinError>,
}

/// The member's own key as the start screen shows it: the SHA-256 of its
/// public key, or why it cannot be read or made.
#[derive(Debug, Clone)]
pub struct OwnKey(pub Result<[u8; 32], String>);

impl OwnKey {
    /// The key in `config_dir`, made there if there is none yet (it is
    /// what a host will know this member by).
    #[must_use]
    pub fn load(config_dir: &Path) -> Self {
        Self(
            crate::net::identity::member_identity(
                config_dir,
                crate::net::identity::KeyChoice::Keep,
            )
            .map(|me| me.key)
            .map_err(|e| e.to_string()),
        )
    }
}

/// Under the join form, small: the key this member presents, as its safety
/// code and fingerprint.
fn own_key_ui(ui: &mut egui::Ui, own: &OwnKey) {
    ui.add_space(4.0);
    match &own.0 {
        Ok(key) => {
            ui.label(
                egui::RichText::new(tr!(
                    "start-own-key",
                    code = crate::net::safety::safety_code(key)
                ))
                .small(),
            );
            // Left-aligned, not justified: justified, the wrapped
            // fingerprint's first row ("SHA256:") was spread over the width.
            ui.with_layout(egui::Layout::top_down(egui::Align::Min), |ui| {
                ui.label(
                    egui::RichText::new(crate::net::certinfo::fingerprint(key))
                        .small()
                        .monospace()
                        .weak(),
                );
            });
        }
        Err(e) => {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                tr!("start-own-key-error", error = e.as_str()),
            );
        }
    }
}

fn known_hosts_ui(ui: &mut egui::Ui, known: &KnownHosts, action: &mut Option<StartAction>) {
    let count = known.entries.as_ref().map_or(0, Vec::len);
    egui::CollapsingHeader::new(tr!("start-known-hosts", count = count))
        .id_salt("known_hosts")
        .show(ui, |ui| {
            ui.label(tr!("start-known-hosts-intro"));
            match &known.entries {
                Err(e) => {
                    ui.colored_label(ui.visuals().error_fg_color, e.to_string());
                }
                Ok(entries) if entries.is_empty() => {
                    ui.weak(tr!("start-known-none"));
                }
                Ok(entries) => {
                    egui::Grid::new("known_hosts_grid")
                        .num_columns(5)
                        .striped(true)
                        .show(ui, |ui| {
                            for e in entries {
                                ui.label(&e.target);
                                ui.label(match e.kind {
                                    crate::net::pins::PinKind::Pinned => {
                                        tr!("start-known-exception")
                                    }
                                    crate::net::pins::PinKind::Verified => {
                                        tr!("start-known-verified")
                                    }
                                });
                                ui.label(
                                    egui::RichText::new(crate::net::certinfo::short_fingerprint(
                                        &e.cert.sha256,
                                    ))
                                    .monospace(),
                                )
                                .on_hover_text(format!(
                                    "{}\n{}",
                                    crate::net::certinfo::fingerprint(&e.cert.sha256),
                                    tr!(
                                        "start-known-safety-code",
                                        code = crate::net::safety::safety_code(&e.cert.sha256)
                                    )
                                ));
                                ui.label(tr!(
                                    "start-known-since",
                                    date = crate::i18n::utc(e.added)
                                ));
                                if ui
                                    .button(tr!("start-known-remove", target = e.target.as_str()))
                                    .clicked()
                                {
                                    *action = Some(StartAction::Forget(e.target.clone()));
                                }
                                ui.end_row();
                            }
                        });
                }
            }
        });
}

/// A labelled single-line field with its problem, if any, below it.
fn field_ui(
    ui: &mut egui::Ui,
    label: &str,
    value: &mut String,
    hint: &str,
    problem: Option<&FieldProblem>,
) {
    let l = ui.label(label);
    let r = ui.add(
        egui::TextEdit::singleline(value)
            .hint_text(hint)
            .desired_width(f32::INFINITY),
    );
    r.labelled_by(l.id);
    problem_ui(ui, problem);
}

/// A PEM file's field: [`field_ui`] with "Browse…" beside it.
fn pem_field_ui(
    ui: &mut egui::Ui,
    (label, hint): (&str, &str),
    form: &mut StartForm,
    field: PemField,
    problem: Option<&FieldProblem>,
    action: &mut Option<StartAction>,
) {
    let l = ui.label(label);
    ui.horizontal(|ui| {
        let browse = ui
            .with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let b = ui.button(tr!("start-browse"));
                // Its accessible name says which file it chooses.
                let name = tr!("start-browse-for", field = label);
                b.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, name.clone()));
                let clicked = b.clicked();
                let r = ui.add(
                    egui::TextEdit::singleline(form.pem_field(field))
                        .hint_text(hint)
                        .desired_width(f32::INFINITY),
                );
                r.labelled_by(l.id);
                clicked
            })
            .inner;
        if browse {
            *action = Some(StartAction::Browse(field));
        }
    });
    problem_ui(ui, problem);
}

/// Ends a form row, and adds one with the problem of its field, if any.
fn problem_ui(ui: &mut egui::Ui, problem: Option<&FieldProblem>) {
    ui.end_row();
    if let Some(p) = problem {
        ui.label("");
        ui.colored_label(ui.visuals().error_fg_color, format!("⚠ {}", p.text()));
        ui.end_row();
    }
}

/// Under the join field, when it holds an invite link with a pin: the
/// safety code of the certificate it trusts, to compare with the host's.
fn invite_note_ui(ui: &mut egui::Ui, target: &str) {
    if !crate::net::invite::is_link(target) {
        return;
    }
    if let Ok(crate::net::invite::Invite { pin: Some(pin), .. }) =
        crate::net::invite::Invite::parse(target)
    {
        ui.add_space(4.0);
        ui.add(
            egui::Label::new(tr!(
                "start-invite-pin",
                code = crate::net::safety::safety_code(&pin)
            ))
            .wrap(),
        );
    }
}

/// The host's half of the start screen.
fn host_form_ui(
    ui: &mut egui::Ui,
    form: &mut StartForm,
    problems: &Problems,
    action: &mut Option<StartAction>,
) {
    ui.heading(tr!("start-host-title"));
    ui.label(tr!("start-host-intro"));
    ui.add_space(6.0);
    egui::Grid::new("host_form")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            field_ui(
                ui,
                &tr!("start-listen-on"),
                &mut form.bind,
                "127.0.0.1:7443",
                problems.get(Field::Bind),
            );
            field_ui(
                ui,
                &tr!("start-nickname"),
                &mut form.host_nick,
                &tr!("start-your-name"),
                problems.get(Field::HostNick),
            );
            pem_field_ui(
                ui,
                (&tr!("start-certificate"), &tr!("start-generate")),
                form,
                PemField::Cert,
                problems.get(Field::Pem(PemField::Cert)),
                action,
            );
            pem_field_ui(
                ui,
                (&tr!("start-private-key"), &tr!("start-generate")),
                form,
                PemField::Key,
                problems.get(Field::Pem(PemField::Key)),
                action,
            );
            pem_field_ui(
                ui,
                (&tr!("start-client-ca"), &tr!("start-client-ca-hint")),
                form,
                PemField::ClientCa,
                problems.get(Field::Pem(PemField::ClientCa)),
                action,
            );
            access_ui(ui, &mut form.access);
        });
    ui.add_space(6.0);
    if ui.button(tr!("start-host-button")).clicked() {
        *action = Some(StartAction::Host);
    }
}

/// The member's half of the start screen.
fn join_form_ui(
    ui: &mut egui::Ui,
    form: &mut StartForm,
    (problems, own): (&Problems, &OwnKey),
    action: &mut Option<StartAction>,
) {
    ui.heading(tr!("start-join-title"));
    ui.label(tr!("start-join-intro"));
    ui.add_space(6.0);
    egui::Grid::new("join_form")
        .num_columns(2)
        .spacing([8.0, 6.0])
        .show(ui, |ui| {
            field_ui(
                ui,
                &tr!("start-host-address"),
                &mut form.target,
                &tr!("start-host-address-hint"),
                problems.get(Field::Target),
            );
            field_ui(
                ui,
                &tr!("start-your-nickname"),
                &mut form.join_nick,
                &tr!("start-your-name"),
                problems.get(Field::JoinNick),
            );
            pem_field_ui(
                ui,
                (&tr!("start-ca"), &tr!("start-ca-hint")),
                form,
                PemField::Ca,
                problems.get(Field::Pem(PemField::Ca)),
                action,
            );
            pem_field_ui(
                ui,
                (&tr!("start-join-cert"), &tr!("start-join-cert-hint")),
                form,
                PemField::JoinCert,
                problems.get(Field::Pem(PemField::JoinCert)),
                action,
            );
            pem_field_ui(
                ui,
                (&tr!("start-join-key"), &tr!("start-join-key-hint")),
                form,
                PemField::JoinKey,
                problems.get(Field::Pem(PemField::JoinKey)),
                action,
            );
        });
    invite_note_ui(ui, &form.target);
    own_key_ui(ui, own);
    ui.add_space(6.0);
    if ui.button(tr!("start-join-button")).clicked() {
        *action = Some(StartAction::Join);
    }
}

/// The start screen. Returns what the user asked for.
pub fn start_screen_ui(
    ui: &mut egui::Ui,
    form: &mut StartForm,
    host_problems: &Problems,
    join_problems: &Problems,
    error: Option<&str>,
    known: &KnownHosts,
    own: &OwnKey,
) -> Option<StartAction> {
    let mut action = None;
    let frame = crate::ui::backdrop::central_panel(ui.style());
    egui::CentralPanel::default().frame(frame).show(ui, |ui| {
        ui.vertical_centered(|ui| {
            ui.add_space(12.0);
            ui.heading(egui::RichText::new("🔒 tlschat").size(28.0));
            ui.label(tr!("start-tagline"));
            ui.add_space(16.0);
        });
        if let Some(e) = error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        ui.columns(2, |cols| {
            egui::Frame::group(cols[0].style())
                .inner_margin(12.0)
                .show(&mut cols[0], |ui| {
                    host_form_ui(ui, form, host_problems, &mut action);
                });
            egui::Frame::group(cols[1].style())
                .inner_margin(12.0)
                .show(&mut cols[1], |ui| {
                    join_form_ui(ui, form, (join_problems, own), &mut action);
                });
        });
        ui.add_space(8.0);
        advanced_ui(
            ui,
            form,
            host_problems
                .get(Field::Tls)
                .or(join_problems.get(Field::Tls)),
        );
        ui.add_space(4.0);
        known_hosts_ui(ui, known, &mut action);
    });
    action
}

/// The advanced section: which TLS version and key-exchange groups to
/// offer (joining) or accept (hosting), to see the difference on the wire.
fn advanced_ui(ui: &mut egui::Ui, form: &mut StartForm, problem: Option<&FieldProblem>) {
    use crate::net::KxGroup;
    let changed = !form.tls_version.is_empty() || !form.groups.is_empty();
    egui::CollapsingHeader::new(tr!("start-advanced"))
        .id_salt("advanced")
        .default_open(changed || problem.is_some())
        .show(ui, |ui| {
            ui.label(tr!("start-advanced-intro"));
            ui.horizontal_wrapped(|ui| {
                ui.label(tr!("start-tls-version"));
                for (value, name) in [
                    ("", tr!("start-tls-both")),
                    ("1.3", tr!("start-tls-13")),
                    ("1.2", tr!("start-tls-12")),
                ] {
                    if ui
                        .selectable_label(form.tls_version == value, name)
                        .clicked()
                    {
                        form.tls_version = value.to_string();
                    }
                }
            });
            ui.horizontal_wrapped(|ui| {
                ui.label(tr!("start-key-exchange"));
                let on = |form: &StartForm, g: KxGroup| {
                    form.groups.is_empty() || form.groups.iter().any(|n| n == g.name())
                };
                for g in KxGroup::ALL {
                    let mut checked = on(form, g);
                    let hint = match g {
                        KxGroup::X25519Mlkem768 => tr!("start-kx-hybrid"),
                        KxGroup::X25519 => tr!("start-kx-x25519"),
                        KxGroup::Secp256r1 => tr!("start-kx-p256"),
                        KxGroup::Secp384r1 => tr!("start-kx-p384"),
                    };
                    if ui
                        .checkbox(&mut checked, g.name())
                        .on_hover_text(hint)
                        .changed()
                    {
                        let chosen: Vec<String> = KxGroup::ALL
                            .into_iter()
                            .filter(|&other| if other == g { checked } else { on(form, other) })
                            .map(|other| other.name().to_string())
                            .collect();
                        // At least one group; all of them is the default.
                        if chosen.len() == KxGroup::ALL.len() {
                            form.groups.clear();
                        } else if !chosen.is_empty() {
                            form.groups = chosen;
                        }
                    }
                }
            });
            if let Some(problem) = problem {
                ui.colored_label(ui.visuals().error_fg_color, problem.text());
            }
        });
}
