//! buf's breaking-change rules (https://buf.build/docs/breaking/rules/), applied between two
//! compiled schemas under Confluent's compatibility levels.
//!
//! Elements are paired as buf pairs them: files by name, packages by name, messages, enums and
//! services by full name, fields by number, enum values by number, RPCs by name. Only the files
//! given to [`ProtoSchema::compile`] are compared, not the well-known imports.

use super::compile::ProtoSchema;
use crate::compat::{check_levels, Break, CompatLevel, CompatReport, Direction};
use prost_reflect::{
    EnumDescriptor, ExtensionDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor,
    ServiceDescriptor, Syntax,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// A buf breaking category: the set of rules a family's versions must pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BufCategory {
    /// Generated code keeps compiling: nothing is deleted or moved between files.
    File,
    /// Like `FILE`, but elements may move between files of a package.
    Package,
    /// Binary and JSON encodings stay readable: what a config stored as JSON needs.
    #[default]
    WireJson,
    /// Only the binary encoding stays readable.
    Wire,
}

impl BufCategory {
    pub const ALL: [BufCategory; 4] = [
        BufCategory::File,
        BufCategory::Package,
        BufCategory::WireJson,
        BufCategory::Wire,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BufCategory::File => "FILE",
            BufCategory::Package => "PACKAGE",
            BufCategory::WireJson => "WIRE_JSON",
            BufCategory::Wire => "WIRE",
        }
    }

    /// The rule ids of this category that this module checks, as buf spells them.
    pub fn rules(self) -> impl Iterator<Item = &'static str> {
        RULES
            .iter()
            .filter(move |(_, categories)| categories.contains(&self))
            .map(|(id, _)| *id)
    }

    fn has(self, rule: &str) -> bool {
        RULES
            .iter()
            .any(|(id, categories)| *id == rule && categories.contains(&self))
    }
}

impl fmt::Display for BufCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown buf category `{0}`; expected one of FILE, PACKAGE, WIRE_JSON or WIRE")]
pub struct UnknownBufCategory(pub String);

impl FromStr for BufCategory {
    type Err = UnknownBufCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        BufCategory::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownBufCategory(s.to_owned()))
    }
}

use BufCategory::{File as F, Package as P, Wire as W, WireJson as J};

/// buf v2's breaking rules checked here, with their categories (bufcheckserver.go, V2Spec).
const RULES: &[(&str, &[BufCategory])] = &[
    ("ENUM_NO_DELETE", &[F]),
    ("EXTENSION_NO_DELETE", &[F]),
    ("FILE_NO_DELETE", &[F]),
    ("MESSAGE_NO_DELETE", &[F]),
    ("SERVICE_NO_DELETE", &[F]),
    ("ENUM_SAME_TYPE", &[F, P]),
    ("ENUM_VALUE_NO_DELETE", &[F, P]),
    ("EXTENSION_MESSAGE_NO_DELETE", &[F, P]),
    ("FIELD_NO_DELETE", &[F, P]),
    ("FIELD_SAME_CARDINALITY", &[F, P]),
    ("FIELD_SAME_CPP_STRING_TYPE", &[F, P]),
    ("FIELD_SAME_JSTYPE", &[F, P]),
    ("FIELD_SAME_JAVA_UTF8_VALIDATION", &[F, P]),
    ("FIELD_SAME_UTF8_VALIDATION", &[F, P]),
    ("FIELD_SAME_TYPE", &[F, P]),
    ("FILE_SAME_CC_ENABLE_ARENAS", &[F, P]),
    ("FILE_SAME_CC_GENERIC_SERVICES", &[F, P]),
    ("FILE_SAME_CSHARP_NAMESPACE", &[F, P]),
    ("FILE_SAME_GO_PACKAGE", &[F, P]),
    ("FILE_SAME_JAVA_GENERIC_SERVICES", &[F, P]),
    ("FILE_SAME_JAVA_MULTIPLE_FILES", &[F, P]),
    ("FILE_SAME_JAVA_OUTER_CLASSNAME", &[F, P]),
    ("FILE_SAME_JAVA_PACKAGE", &[F, P]),
    ("FILE_SAME_OBJC_CLASS_PREFIX", &[F, P]),
    ("FILE_SAME_OPTIMIZE_FOR", &[F, P]),
    ("FILE_SAME_PHP_CLASS_PREFIX", &[F, P]),
    ("FILE_SAME_PHP_METADATA_NAMESPACE", &[F, P]),
    ("FILE_SAME_PHP_NAMESPACE", &[F, P]),
    ("FILE_SAME_PY_GENERIC_SERVICES", &[F, P]),
    ("FILE_SAME_RUBY_PACKAGE", &[F, P]),
    ("FILE_SAME_SWIFT_PREFIX", &[F, P]),
    ("FILE_SAME_SYNTAX", &[F, P]),
    ("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR", &[F, P]),
    ("ONEOF_NO_DELETE", &[F, P]),
    ("RPC_NO_DELETE", &[F, P]),
    ("ENUM_SAME_JSON_FORMAT", &[F, P, J]),
    ("ENUM_VALUE_SAME_NAME", &[F, P, J]),
    ("FIELD_SAME_JSON_NAME", &[F, P, J]),
    ("FIELD_SAME_NAME", &[F, P, J]),
    ("MESSAGE_SAME_JSON_FORMAT", &[F, P, J]),
    ("FIELD_SAME_DEFAULT", &[F, P, J, W]),
    ("FIELD_SAME_ONEOF", &[F, P, J, W]),
    ("FILE_SAME_PACKAGE", &[F, P, J, W]),
    ("MESSAGE_SAME_REQUIRED_FIELDS", &[F, P, J, W]),
    ("RESERVED_ENUM_NO_DELETE", &[F, P, J, W]),
    ("RESERVED_MESSAGE_NO_DELETE", &[F, P, J, W]),
    ("RPC_SAME_CLIENT_STREAMING", &[F, P, J, W]),
    ("RPC_SAME_IDEMPOTENCY_LEVEL", &[F, P, J, W]),
    ("RPC_SAME_REQUEST_TYPE", &[F, P, J, W]),
    ("RPC_SAME_RESPONSE_TYPE", &[F, P, J, W]),
    ("RPC_SAME_SERVER_STREAMING", &[F, P, J, W]),
    ("PACKAGE_ENUM_NO_DELETE", &[P]),
    ("PACKAGE_EXTENSION_NO_DELETE", &[P]),
    ("PACKAGE_MESSAGE_NO_DELETE", &[P]),
    ("PACKAGE_NO_DELETE", &[P]),
    ("PACKAGE_SERVICE_NO_DELETE", &[P]),
    ("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", &[J]),
    ("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", &[J]),
    ("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", &[J]),
    ("FIELD_WIRE_JSON_COMPATIBLE_TYPE", &[J]),
    ("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", &[J, W]),
    ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", &[J, W]),
    ("FIELD_WIRE_COMPATIBLE_CARDINALITY", &[W]),
    ("FIELD_WIRE_COMPATIBLE_TYPE", &[W]),
];

/// Checks `new` against earlier versions (oldest first, as `(label, schema)`) with the rules
/// of `category`. Levels mean what they mean for [`crate::compat::check`]: non-transitive
/// levels compare with the latest version only; `FORWARD` runs the rules with the two schemas
/// swapped (the new schema as the "previous" one), `FULL` both ways; `NONE` checks nothing.
pub fn check(
    level: CompatLevel,
    category: BufCategory,
    history: &[(&str, &ProtoSchema)],
    new: &ProtoSchema,
) -> CompatReport {
    check_levels(level, history, |direction, _, schema| {
        let (previous, current, prefix) = match direction {
            Direction::Backward => (*schema, new, ""),
            Direction::Forward => (new, *schema, "Forward: "),
        };
        let mut out = Out {
            category,
            breaks: Vec::new(),
        };
        compare(previous, current, &mut out);
        out.breaks
            .into_iter()
            .map(|b| Break {
                message: format!("{prefix}{}", b.message),
                ..b
            })
            .collect()
    })
}

struct Out {
    category: BufCategory,
    breaks: Vec<Break>,
}

impl Out {
    fn add(&mut self, rule: &str, pointer: String, message: String) {
        if self.category.has(rule) {
            self.breaks.push(Break {
                pointer,
                rule: rule.to_owned(),
                message,
                against: String::new(),
            });
        }
    }
}

/// JSON pointer token: `~` and `/` escaped.
fn token(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

fn ptr(parts: &[&str]) -> String {
    parts.iter().map(|p| format!("/{}", token(p))).collect()
}

/// What one schema declares, keyed as buf pairs it.
struct Index {
    files: BTreeMap<String, FileDescriptor>,
    messages: BTreeMap<String, MessageDescriptor>,
    enums: BTreeMap<String, EnumDescriptor>,
    services: BTreeMap<String, ServiceDescriptor>,
    extensions: BTreeMap<String, ExtensionDescriptor>,
}

impl Index {
    fn of(schema: &ProtoSchema) -> Self {
        let pool = schema.pool();
        let own = |f: &FileDescriptor| schema.is_own_file(f.name());
        Index {
            files: pool
                .files()
                .filter(own)
                .map(|f| (f.name().to_owned(), f))
                .collect(),
            messages: pool
                .all_messages()
                .filter(|m| own(&m.parent_file()) && !m.is_map_entry())
                .map(|m| (m.full_name().to_owned(), m))
                .collect(),
            enums: pool
                .all_enums()
                .filter(|e| own(&e.parent_file()))
                .map(|e| (e.full_name().to_owned(), e))
                .collect(),
            services: pool
                .services()
                .filter(|s| own(&s.parent_file()))
                .map(|s| (s.full_name().to_owned(), s))
                .collect(),
            extensions: pool
                .all_extensions()
                .filter(|x| own(&x.parent_file()))
                .map(|x| (x.full_name().to_owned(), x))
                .collect(),
        }
    }

    fn packages(&self) -> BTreeSet<&str> {
        self.files.values().map(|f| f.package_name()).collect()
    }
}

/// Name relative to the package, as buf prints nested types (`Outer.Inner`).
fn nested_name<'a>(full: &'a str, package: &str) -> &'a str {
    if package.is_empty() {
        full
    } else {
        full.strip_prefix(package)
            .and_then(|r| r.strip_prefix('.'))
            .unwrap_or(full)
    }
}

fn compare(previous: &ProtoSchema, current: &ProtoSchema, out: &mut Out) {
    let (prev, cur) = (Index::of(previous), Index::of(current));
    files(&prev, &cur, out);
    packages(&prev, &cur, out);
    for (name, pm) in &prev.messages {
        if let Some(cm) = cur.messages.get(name) {
            message_pair(pm, cm, out);
        }
    }
    for (name, pe) in &prev.enums {
        if let Some(ce) = cur.enums.get(name) {
            enum_pair(pe, ce, out);
        }
    }
    for (name, ps) in &prev.services {
        if let Some(cs) = cur.services.get(name) {
            service_pair(ps, cs, out);
        }
    }
}

fn files(prev: &Index, cur: &Index, out: &mut Out) {
    for (name, pf) in &prev.files {
        let Some(cf) = cur.files.get(name) else {
            out.add(
                "FILE_NO_DELETE",
                ptr(&[name]),
                format!("Previously present file {name:?} was deleted."),
            );
            continue;
        };
        let pointer = ptr(&[name]);
        if pf.package_name() != cf.package_name() {
            out.add(
                "FILE_SAME_PACKAGE",
                pointer.clone(),
                format!(
                    "File package changed from {:?} to {:?}.",
                    pf.package_name(),
                    cf.package_name()
                ),
            );
        }
        let syntax = |f: &FileDescriptor| match f.syntax() {
            Syntax::Proto2 => "proto2",
            Syntax::Proto3 => "proto3",
        };
        if syntax(pf) != syntax(cf) {
            out.add(
                "FILE_SAME_SYNTAX",
                pointer.clone(),
                format!(
                    "File syntax changed from {:?} to {:?}.",
                    syntax(pf),
                    syntax(cf)
                ),
            );
        }
        file_options(pf, cf, &pointer, out);
        // Elements deleted from this file (FILE category: moving them is breaking too).
        let in_file =
            |index: &BTreeMap<String, MessageDescriptor>, file: &str| -> BTreeSet<String> {
                index
                    .values()
                    .filter(|m| m.parent_file().name() == file)
                    .map(|m| m.full_name().to_owned())
                    .collect()
            };
        let (pms, cms) = (in_file(&prev.messages, name), in_file(&cur.messages, name));
        for gone in pms.difference(&cms) {
            out.add(
                "MESSAGE_NO_DELETE",
                ptr(&[gone]),
                format!(
                    "Previously present message {:?} was deleted from file.",
                    nested_name(gone, pf.package_name())
                ),
            );
        }
        let enums_in = |index: &BTreeMap<String, EnumDescriptor>| -> BTreeSet<String> {
            index
                .values()
                .filter(|e| e.parent_file().name() == name.as_str())
                .map(|e| e.full_name().to_owned())
                .collect()
        };
        for gone in enums_in(&prev.enums).difference(&enums_in(&cur.enums)) {
            out.add(
                "ENUM_NO_DELETE",
                ptr(&[gone]),
                format!(
                    "Previously present enum {:?} was deleted from file.",
                    nested_name(gone, pf.package_name())
                ),
            );
        }
        let services_in = |index: &BTreeMap<String, ServiceDescriptor>| -> BTreeSet<String> {
            index
                .values()
                .filter(|s| s.parent_file().name() == name.as_str())
                .map(|s| s.full_name().to_owned())
                .collect()
        };
        for gone in services_in(&prev.services).difference(&services_in(&cur.services)) {
            out.add(
                "SERVICE_NO_DELETE",
                ptr(&[gone]),
                format!(
                    "Previously present service {:?} was deleted from file.",
                    nested_name(gone, pf.package_name())
                ),
            );
        }
        let extensions_in = |index: &BTreeMap<String, ExtensionDescriptor>| -> BTreeSet<String> {
            index
                .values()
                .filter(|x| x.parent_file().name() == name.as_str())
                .map(|x| x.full_name().to_owned())
                .collect()
        };
        for gone in extensions_in(&prev.extensions).difference(&extensions_in(&cur.extensions)) {
            out.add(
                "EXTENSION_NO_DELETE",
                ptr(&[gone]),
                format!(
                    "Previously present extension {:?} was deleted from file.",
                    nested_name(gone, pf.package_name())
                ),
            );
        }
    }
}

fn file_options(pf: &FileDescriptor, cf: &FileDescriptor, pointer: &str, out: &mut Out) {
    let (po, co) = (
        pf.file_descriptor_proto()
            .options
            .clone()
            .unwrap_or_default(),
        cf.file_descriptor_proto()
            .options
            .clone()
            .unwrap_or_default(),
    );
    let strings: [(&str, &str, &Option<String>, &Option<String>); 10] = [
        (
            "FILE_SAME_CSHARP_NAMESPACE",
            "csharp_namespace",
            &po.csharp_namespace,
            &co.csharp_namespace,
        ),
        (
            "FILE_SAME_GO_PACKAGE",
            "go_package",
            &po.go_package,
            &co.go_package,
        ),
        (
            "FILE_SAME_JAVA_OUTER_CLASSNAME",
            "java_outer_classname",
            &po.java_outer_classname,
            &co.java_outer_classname,
        ),
        (
            "FILE_SAME_JAVA_PACKAGE",
            "java_package",
            &po.java_package,
            &co.java_package,
        ),
        (
            "FILE_SAME_OBJC_CLASS_PREFIX",
            "objc_class_prefix",
            &po.objc_class_prefix,
            &co.objc_class_prefix,
        ),
        (
            "FILE_SAME_PHP_CLASS_PREFIX",
            "php_class_prefix",
            &po.php_class_prefix,
            &co.php_class_prefix,
        ),
        (
            "FILE_SAME_PHP_METADATA_NAMESPACE",
            "php_metadata_namespace",
            &po.php_metadata_namespace,
            &co.php_metadata_namespace,
        ),
        (
            "FILE_SAME_PHP_NAMESPACE",
            "php_namespace",
            &po.php_namespace,
            &co.php_namespace,
        ),
        (
            "FILE_SAME_RUBY_PACKAGE",
            "ruby_package",
            &po.ruby_package,
            &co.ruby_package,
        ),
        (
            "FILE_SAME_SWIFT_PREFIX",
            "swift_prefix",
            &po.swift_prefix,
            &co.swift_prefix,
        ),
    ];
    for (rule, option, p, c) in strings {
        let (p, c) = (p.as_deref().unwrap_or(""), c.as_deref().unwrap_or(""));
        if p != c {
            out.add(
                rule,
                pointer.to_owned(),
                format!("File option {option:?} changed from {p:?} to {c:?}."),
            );
        }
    }
    // (rule, option, previous, current, default)
    type BoolOption<'a> = (&'a str, &'a str, Option<bool>, Option<bool>, bool);
    let bools: [BoolOption<'_>; 5] = [
        (
            "FILE_SAME_CC_ENABLE_ARENAS",
            "cc_enable_arenas",
            po.cc_enable_arenas,
            co.cc_enable_arenas,
            true,
        ),
        (
            "FILE_SAME_CC_GENERIC_SERVICES",
            "cc_generic_services",
            po.cc_generic_services,
            co.cc_generic_services,
            false,
        ),
        (
            "FILE_SAME_JAVA_GENERIC_SERVICES",
            "java_generic_services",
            po.java_generic_services,
            co.java_generic_services,
            false,
        ),
        (
            "FILE_SAME_JAVA_MULTIPLE_FILES",
            "java_multiple_files",
            po.java_multiple_files,
            co.java_multiple_files,
            false,
        ),
        (
            "FILE_SAME_PY_GENERIC_SERVICES",
            "py_generic_services",
            po.py_generic_services,
            co.py_generic_services,
            false,
        ),
    ];
    for (rule, option, p, c, default) in bools {
        let (p, c) = (p.unwrap_or(default), c.unwrap_or(default));
        if p != c {
            out.add(
                rule,
                pointer.to_owned(),
                format!("File option {option:?} changed from \"{p}\" to \"{c}\"."),
            );
        }
    }
    let optimize = |o: &prost_reflect::prost_types::FileOptions| o.optimize_for().as_str_name();
    if optimize(&po) != optimize(&co) {
        out.add(
            "FILE_SAME_OPTIMIZE_FOR",
            pointer.to_owned(),
            format!(
                "File option \"optimize_for\" changed from {:?} to {:?}.",
                optimize(&po),
                optimize(&co)
            ),
        );
    }
}

fn packages(prev: &Index, cur: &Index, out: &mut Out) {
    let current_packages = cur.packages();
    for package in prev.packages() {
        if !current_packages.contains(package) {
            out.add(
                "PACKAGE_NO_DELETE",
                ptr(&[package]),
                format!("Previously present package {package:?} was deleted."),
            );
            continue;
        }
        for (name, m) in &prev.messages {
            if m.package_name() == package && !cur.messages.contains_key(name) {
                out.add(
                    "PACKAGE_MESSAGE_NO_DELETE",
                    ptr(&[name]),
                    format!(
                        "Previously present message {:?} was deleted from package {package:?}.",
                        nested_name(name, package)
                    ),
                );
            }
        }
        for (name, e) in &prev.enums {
            if e.package_name() == package && !cur.enums.contains_key(name) {
                out.add(
                    "PACKAGE_ENUM_NO_DELETE",
                    ptr(&[name]),
                    format!(
                        "Previously present enum {:?} was deleted from package {package:?}.",
                        nested_name(name, package)
                    ),
                );
            }
        }
        for (name, s) in &prev.services {
            if s.package_name() == package && !cur.services.contains_key(name) {
                out.add(
                    "PACKAGE_SERVICE_NO_DELETE",
                    ptr(&[name]),
                    format!(
                        "Previously present service {:?} was deleted from package {package:?}.",
                        nested_name(name, package)
                    ),
                );
            }
        }
        for (name, x) in &prev.extensions {
            if x.package_name() == package && !cur.extensions.contains_key(name) {
                out.add(
                    "PACKAGE_EXTENSION_NO_DELETE",
                    ptr(&[name]),
                    format!(
                        "Previously present extension {:?} was deleted from package {package:?}.",
                        nested_name(name, package)
                    ),
                );
            }
        }
    }
}

/// buf's "Field \"1\" with name \"a\" on message \"M\"".
fn field_description(field: &FieldDescriptor) -> String {
    format!(
        "Field \"{}\" with name {:?} on message {:?}",
        field.number(),
        field.name(),
        field.parent_message().name()
    )
}

fn in_ranges(number: u32, ranges: impl IntoIterator<Item = std::ops::Range<u32>>) -> bool {
    ranges.into_iter().any(|r| r.contains(&number))
}

fn message_pair(pm: &MessageDescriptor, cm: &MessageDescriptor, out: &mut Out) {
    let name = pm.full_name();
    for pf in pm.fields() {
        let Some(cf) = cm.get_field(pf.number()) else {
            let description = field_description(&pf);
            let description = format!("field{}", description.strip_prefix("Field").unwrap_or(""));
            let pointer = ptr(&[name, pf.name()]);
            out.add(
                "FIELD_NO_DELETE",
                pointer.clone(),
                format!("Previously present {description} was deleted."),
            );
            if !in_ranges(pf.number(), cm.reserved_ranges()) {
                out.add(
                    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
                    pointer.clone(),
                    format!(
                        "Previously present {description} was deleted without reserving the number \"{}\".",
                        pf.number()
                    ),
                );
            }
            if !cm.reserved_names().any(|n| n == pf.name()) {
                out.add(
                    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
                    pointer,
                    format!(
                        "Previously present {description} was deleted without reserving the name {:?}.",
                        pf.name()
                    ),
                );
            }
            continue;
        };
        field_pair(&pf, &cf, out);
    }
    // Required fields, by number.
    let required = |m: &MessageDescriptor| -> BTreeSet<u32> {
        m.fields()
            .filter(|f| f.is_required())
            .map(|f| f.number())
            .collect()
    };
    let (pr, cr) = (required(pm), required(cm));
    for n in pr.difference(&cr) {
        out.add(
            "MESSAGE_SAME_REQUIRED_FIELDS",
            ptr(&[name]),
            format!("Message {:?} had required field \"{n}\" deleted. Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.", pm.name()),
        );
    }
    for n in cr.difference(&pr) {
        out.add(
            "MESSAGE_SAME_REQUIRED_FIELDS",
            ptr(&[name]),
            format!("Message {:?} had required field \"{n}\" added. Required fields must always be sent, so if one side does not know about the required field, this will result in a breakage.", pm.name()),
        );
    }
    // Reserved and extension ranges: every number once covered must stay covered.
    for (rule, kind, p, c) in [
        (
            "RESERVED_MESSAGE_NO_DELETE",
            "reserved",
            pm.reserved_ranges().collect::<Vec<_>>(),
            cm.reserved_ranges().collect::<Vec<_>>(),
        ),
        (
            "EXTENSION_MESSAGE_NO_DELETE",
            "extension",
            pm.extension_ranges().collect(),
            cm.extension_ranges().collect(),
        ),
    ] {
        for range in &p {
            if !range_covered(
                range.start.into(),
                range.end.saturating_sub(1).into(),
                c.iter()
                    .map(|r| (r.start.into(), r.end.saturating_sub(1).into())),
            ) {
                out.add(
                    rule,
                    ptr(&[name]),
                    format!(
                        "Previously present {kind} range \"[{}, {}]\" on message {:?} is missing values.",
                        range.start,
                        range.end.saturating_sub(1),
                        pm.name()
                    ),
                );
            }
        }
    }
    let current_names: BTreeSet<&str> = cm.reserved_names().collect();
    for reserved in pm.reserved_names() {
        if !current_names.contains(reserved) {
            out.add(
                "RESERVED_MESSAGE_NO_DELETE",
                ptr(&[name]),
                format!(
                    "Previously present reserved name {reserved:?} on message {:?} was deleted.",
                    pm.name()
                ),
            );
        }
    }
    let oneofs = |m: &MessageDescriptor| -> BTreeSet<String> {
        m.oneofs()
            .filter(|o| !o.is_synthetic())
            .map(|o| o.name().to_owned())
            .collect()
    };
    for gone in oneofs(pm).difference(&oneofs(cm)) {
        out.add(
            "ONEOF_NO_DELETE",
            ptr(&[name, gone]),
            format!(
                "Previously present oneof {gone:?} on message {:?} was deleted.",
                pm.name()
            ),
        );
    }
    let accessor = |m: &MessageDescriptor| {
        m.descriptor_proto()
            .options
            .as_ref()
            .and_then(|o| o.no_standard_descriptor_accessor)
            .unwrap_or(false)
    };
    if !accessor(pm) && accessor(cm) {
        out.add(
            "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
            ptr(&[name]),
            "Message option \"no_standard_descriptor_accessor\" changed from \"false\" to \"true\"."
                .to_owned(),
        );
    }
}

/// Whether `[start, end]` lies within the union of `ranges` (inclusive bounds).
fn range_covered(start: i64, end: i64, ranges: impl Iterator<Item = (i64, i64)>) -> bool {
    let mut ranges: Vec<(i64, i64)> = ranges.collect();
    ranges.sort_unstable();
    let mut next = start;
    for (s, e) in ranges {
        if s > next {
            break;
        }
        if e >= next {
            next = e.saturating_add(1);
            if next > end {
                return true;
            }
        }
    }
    next > end
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cardinality {
    Explicit,
    Implicit,
    Required,
    Repeated,
    Map,
}

impl Cardinality {
    fn of(field: &FieldDescriptor) -> Self {
        if field.is_map() {
            Cardinality::Map
        } else if field.is_list() {
            Cardinality::Repeated
        } else if field.is_required() {
            Cardinality::Required
        } else if field.supports_presence() {
            Cardinality::Explicit
        } else {
            Cardinality::Implicit
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Cardinality::Explicit => "optional with explicit presence",
            Cardinality::Implicit => "optional with implicit presence",
            Cardinality::Required => "required",
            Cardinality::Repeated => "repeated",
            Cardinality::Map => "map",
        }
    }

    fn wire_group(self) -> u8 {
        match self {
            Cardinality::Explicit | Cardinality::Implicit => 1,
            Cardinality::Required => 2,
            Cardinality::Repeated | Cardinality::Map => 3,
        }
    }

    /// Maps and repeated fields have different JSON forms.
    fn wire_json_group(self) -> u8 {
        match self {
            Cardinality::Map => 4,
            other => other.wire_group(),
        }
    }
}

/// The type as buf prints it: scalar names, or the message/enum full name.
fn type_string(field: &FieldDescriptor) -> String {
    match field.kind() {
        Kind::Message(m) if field.is_group() => format!("group {}", m.full_name()),
        Kind::Message(m) => m.full_name().to_owned(),
        Kind::Enum(e) => e.full_name().to_owned(),
        other => scalar_name(&other).to_owned(),
    }
}

fn scalar_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Message(_) => "message",
        Kind::Enum(_) => "enum",
    }
}

/// Kinds buf tells apart (group vs message counts).
fn kind_id(field: &FieldDescriptor) -> &'static str {
    if field.is_group() {
        "group"
    } else {
        scalar_name(&field.kind())
    }
}

/// buf's fieldKindToWireCompatibilityGroup.
fn wire_group(field: &FieldDescriptor) -> u8 {
    match kind_id(field) {
        "int32" | "int64" | "uint32" | "uint64" | "bool" => 1,
        "sint32" | "sint64" => 2,
        "string" => 3,
        "bytes" => 4,
        "fixed32" | "sfixed32" => 5,
        "fixed64" | "sfixed64" => 6,
        "double" => 7,
        "float" => 8,
        "group" => 9,
        "message" => 10,
        _ => 11, // enum
    }
}

/// buf's fieldKindToWireJSONCompatibilityGroup.
fn wire_json_group(field: &FieldDescriptor) -> u8 {
    match kind_id(field) {
        "int32" | "uint32" => 1,
        "int64" | "uint64" => 2,
        "fixed32" | "sfixed32" => 3,
        "fixed64" | "sfixed64" => 4,
        "bool" => 5,
        "sint32" => 6,
        "sint64" => 7,
        "string" => 8,
        "bytes" => 9,
        "double" => 10,
        "float" => 11,
        "group" => 12,
        "message" => 13,
        _ => 14, // enum
    }
}

fn type_name(field: &FieldDescriptor) -> Option<String> {
    match field.kind() {
        Kind::Message(m) => Some(m.full_name().to_owned()),
        Kind::Enum(e) => Some(e.full_name().to_owned()),
        _ => None,
    }
}

fn field_pair(pf: &FieldDescriptor, cf: &FieldDescriptor, out: &mut Out) {
    // Built only for a break: most fields pass every rule.
    let pointer = || ptr(&[cf.parent_message().full_name(), cf.name()]);
    let description = || field_description(cf);
    if pf.name() != cf.name() {
        out.add(
            "FIELD_SAME_NAME",
            pointer(),
            format!(
                "Field \"{}\" on message {:?} changed name from {:?} to {:?}.",
                cf.number(),
                cf.parent_message().name(),
                pf.name(),
                cf.name()
            ),
        );
    }
    if pf.json_name() != cf.json_name() {
        out.add(
            "FIELD_SAME_JSON_NAME",
            pointer(),
            format!(
                "{} changed option \"json_name\" from {:?} to {:?}.",
                description(),
                pf.json_name(),
                cf.json_name()
            ),
        );
    }
    // Types.
    let changed = |extra: &str| {
        format!(
            "{} changed type from {:?} to {:?}.{extra}",
            description(),
            type_string(pf),
            type_string(cf)
        )
    };
    if kind_id(pf) != kind_id(cf) || type_name(pf) != type_name(cf) {
        out.add("FIELD_SAME_TYPE", pointer(), changed(""));
    }
    let same_named_type_or_subset = || -> bool {
        match (pf.kind(), cf.kind()) {
            (Kind::Enum(pe), Kind::Enum(ce)) => {
                pe.full_name() == ce.full_name()
                    || (pe.name() == ce.name()
                        && pe.values().all(|v| {
                            ce.get_value(v.number())
                                .is_some_and(|c| c.name() == v.name())
                        }))
            }
            (Kind::Message(pm), Kind::Message(cm)) => pm.full_name() == cm.full_name(),
            _ => true,
        }
    };
    if wire_group(pf) != wire_group(cf) {
        let string_to_bytes = kind_id(pf) == "string" && kind_id(cf) == "bytes";
        if !string_to_bytes {
            out.add(
                "FIELD_WIRE_COMPATIBLE_TYPE",
                pointer(),
                changed(" See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules."),
            );
        }
    } else if !same_named_type_or_subset() {
        out.add("FIELD_WIRE_COMPATIBLE_TYPE", pointer(), changed(""));
    }
    if wire_json_group(pf) != wire_json_group(cf) {
        out.add(
            "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
            pointer(),
            changed(" See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules and https://developers.google.com/protocol-buffers/docs/proto3#json for JSON compatibility rules."),
        );
    } else if !same_named_type_or_subset() {
        out.add("FIELD_WIRE_JSON_COMPATIBLE_TYPE", pointer(), changed(""));
    }
    // Cardinality; map entries' own fields are generated, so buf skips them.
    if !pf.parent_message().is_map_entry() {
        let (pc, cc) = (Cardinality::of(pf), Cardinality::of(cf));
        let message = || {
            format!(
                "{} changed cardinality from {:?} to {:?}.",
                description(),
                pc.as_str(),
                cc.as_str()
            )
        };
        if pc != cc {
            out.add("FIELD_SAME_CARDINALITY", pointer(), message());
        }
        if pc.wire_group() != cc.wire_group() {
            out.add("FIELD_WIRE_COMPATIBLE_CARDINALITY", pointer(), message());
        }
        if pc.wire_json_group() != cc.wire_json_group() {
            out.add(
                "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
                pointer(),
                message(),
            );
        }
    }
    // Oneof membership (synthetic oneofs of proto3 `optional` are presence, not oneofs).
    let oneof = |f: &FieldDescriptor| {
        f.containing_oneof()
            .filter(|o| !o.is_synthetic())
            .map(|o| o.name().to_owned())
    };
    match (oneof(pf), oneof(cf)) {
        (Some(p), Some(c)) if p != c => out.add(
            "FIELD_SAME_ONEOF",
            pointer(),
            format!("{} moved from oneof {p:?} to oneof {c:?}.", description()),
        ),
        (Some(_), None) => out.add(
            "FIELD_SAME_ONEOF",
            pointer(),
            format!("{} moved from inside to outside a oneof.", description()),
        ),
        (None, Some(_)) => out.add(
            "FIELD_SAME_ONEOF",
            pointer(),
            format!("{} moved from outside to inside a oneof.", description()),
        ),
        _ => {}
    }
    // Defaults (proto2): compared when both are singular scalars or enums of one kind.
    let can_default = |f: &FieldDescriptor| !f.is_list() && !matches!(f.kind(), Kind::Message(_));
    if can_default(pf) && can_default(cf) && kind_id(pf) == kind_id(cf) {
        let (pd, cd) = (pf.default_value(), cf.default_value());
        if pd != cd {
            out.add(
                "FIELD_SAME_DEFAULT",
                pointer(),
                format!(
                    "{} changed default value from {pd:?} to {cd:?}.",
                    description()
                ),
            );
        }
    }
    let none = prost_reflect::prost_types::FieldOptions::default();
    let po = pf
        .field_descriptor_proto()
        .options
        .as_ref()
        .unwrap_or(&none);
    let co = cf
        .field_descriptor_proto()
        .options
        .as_ref()
        .unwrap_or(&none);
    if po.jstype() != co.jstype() {
        out.add(
            "FIELD_SAME_JSTYPE",
            pointer(),
            format!(
                "{} changed option \"jstype\" from {:?} to {:?}.",
                description(),
                po.jstype().as_str_name(),
                co.jstype().as_str_name()
            ),
        );
    }
    if po.ctype() != co.ctype() {
        out.add(
            "FIELD_SAME_CPP_STRING_TYPE",
            pointer(),
            format!(
                "{} changed C++ string type from {:?} to {:?}.",
                description(),
                po.ctype().as_str_name(),
                co.ctype().as_str_name()
            ),
        );
    }
    if matches!(pf.kind(), Kind::String) && matches!(cf.kind(), Kind::String) {
        // The resolved `utf8_validation` feature: proto3 verifies, proto2 does not (protox
        // compiles no editions files, whose feature could say otherwise).
        let utf8 = |f: &FieldDescriptor| match f.parent_file().syntax() {
            Syntax::Proto3 => "VERIFY",
            Syntax::Proto2 => "NONE",
        };
        if utf8(pf) != utf8(cf) {
            out.add(
                "FIELD_SAME_UTF8_VALIDATION",
                pointer(),
                format!(
                    "{} changed feature \"utf8_validation\" from {:?} to {:?}.",
                    description(),
                    utf8(pf),
                    utf8(cf)
                ),
            );
        }
        let java = |f: &FieldDescriptor| {
            let checked = f
                .parent_file()
                .file_descriptor_proto()
                .options
                .as_ref()
                .and_then(|o| o.java_string_check_utf8)
                .unwrap_or(false);
            if checked {
                "VERIFY"
            } else {
                "DEFAULT"
            }
        };
        if java(pf) != java(cf) {
            out.add(
                "FIELD_SAME_JAVA_UTF8_VALIDATION",
                pointer(),
                format!(
                    "{} changed feature \"(pb.java).utf8_validation\" from {:?} to {:?}.",
                    description(),
                    java(pf),
                    java(cf)
                ),
            );
        }
    }
}

fn enum_pair(pe: &EnumDescriptor, ce: &EnumDescriptor, out: &mut Out) {
    let name = pe.full_name();
    let by_number = |e: &EnumDescriptor| -> BTreeMap<i32, BTreeSet<String>> {
        let mut map: BTreeMap<i32, BTreeSet<String>> = BTreeMap::new();
        for v in e.values() {
            map.entry(v.number())
                .or_default()
                .insert(v.name().to_owned());
        }
        map
    };
    let (pv, cv) = (by_number(pe), by_number(ce));
    let quoted = |names: &BTreeSet<String>| {
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (number, names) in &pv {
        let first = names.iter().next().map_or("", String::as_str);
        let pointer = ptr(&[name, first]);
        match cv.get(number) {
            None => {
                let base = format!(
                    "Previously present enum value \"{number}\" on enum {:?} was deleted",
                    ce.name()
                );
                out.add("ENUM_VALUE_NO_DELETE", pointer.clone(), format!("{base}."));
                if !ce.reserved_ranges().any(|r| r.contains(number)) {
                    out.add(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
                        pointer.clone(),
                        format!("{base} without reserving the number \"{number}\"."),
                    );
                }
                let reserved: BTreeSet<&str> = ce.reserved_names().collect();
                if !names.iter().all(|n| reserved.contains(n.as_str())) {
                    let s = if names.len() > 1 { "s" } else { "" };
                    out.add(
                        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
                        pointer,
                        format!("{base} without reserving the name{s} {}.", quoted(names)),
                    );
                }
            }
            Some(current) if !current.is_subset(names) => {
                let s = if names.len() > 1 && current.len() > 1 {
                    "s"
                } else {
                    ""
                };
                out.add(
                    "ENUM_VALUE_SAME_NAME",
                    ptr(&[name, current.iter().next().map_or("", String::as_str)]),
                    format!(
                        "Enum value \"{number}\" on enum {:?} changed name{s} from {} to {}.",
                        ce.name(),
                        quoted(names),
                        quoted(current)
                    ),
                );
            }
            Some(_) => {}
        }
    }
    for range in pe.reserved_ranges() {
        let covered = range_covered(
            (*range.start()).into(),
            (*range.end()).into(),
            ce.reserved_ranges()
                .map(|r| ((*r.start()).into(), (*r.end()).into())),
        );
        if !covered {
            out.add(
                "RESERVED_ENUM_NO_DELETE",
                ptr(&[name]),
                format!(
                    "Previously present reserved range \"[{}, {}]\" on enum {:?} is missing values.",
                    range.start(),
                    range.end(),
                    pe.name()
                ),
            );
        }
    }
    let current_names: BTreeSet<&str> = ce.reserved_names().collect();
    for reserved in pe.reserved_names() {
        if !current_names.contains(reserved) {
            out.add(
                "RESERVED_ENUM_NO_DELETE",
                ptr(&[name]),
                format!(
                    "Previously present reserved name {reserved:?} on enum {:?} was deleted.",
                    pe.name()
                ),
            );
        }
    }
    // Closed (proto2) and open (proto3) enums treat unknown numbers differently.
    let openness = |e: &EnumDescriptor| match e.parent_file().syntax() {
        Syntax::Proto2 => "closed",
        _ => "open",
    };
    if openness(pe) != openness(ce) {
        out.add(
            "ENUM_SAME_TYPE",
            ptr(&[name]),
            format!(
                "Enum {:?} changed from {} to {}.",
                ce.name(),
                openness(pe),
                openness(ce)
            ),
        );
    }
}

fn service_pair(ps: &ServiceDescriptor, cs: &ServiceDescriptor, out: &mut Out) {
    let service = ps.full_name();
    for pm in ps.methods() {
        let pointer = ptr(&[service, pm.name()]);
        let Some(cm) = cs.methods().find(|m| m.name() == pm.name()) else {
            out.add(
                "RPC_NO_DELETE",
                pointer,
                format!(
                    "Previously present RPC {:?} on service {:?} was deleted.",
                    pm.name(),
                    ps.name()
                ),
            );
            continue;
        };
        let rpc = format!("RPC {:?} on service {:?}", pm.name(), ps.name());
        if pm.input().full_name() != cm.input().full_name() {
            out.add(
                "RPC_SAME_REQUEST_TYPE",
                pointer.clone(),
                format!(
                    "{rpc} changed request type from {:?} to {:?}.",
                    pm.input().full_name(),
                    cm.input().full_name()
                ),
            );
        }
        if pm.output().full_name() != cm.output().full_name() {
            out.add(
                "RPC_SAME_RESPONSE_TYPE",
                pointer.clone(),
                format!(
                    "{rpc} changed response type from {:?} to {:?}.",
                    pm.output().full_name(),
                    cm.output().full_name()
                ),
            );
        }
        let streaming = |b: bool| if b { "streaming" } else { "unary" };
        if pm.is_client_streaming() != cm.is_client_streaming() {
            out.add(
                "RPC_SAME_CLIENT_STREAMING",
                pointer.clone(),
                format!(
                    "{rpc} changed from client {} to client {}.",
                    streaming(pm.is_client_streaming()),
                    streaming(cm.is_client_streaming())
                ),
            );
        }
        if pm.is_server_streaming() != cm.is_server_streaming() {
            out.add(
                "RPC_SAME_SERVER_STREAMING",
                pointer.clone(),
                format!(
                    "{rpc} changed from server {} to server {}.",
                    streaming(pm.is_server_streaming()),
                    streaming(cm.is_server_streaming())
                ),
            );
        }
        let level = |m: &prost_reflect::MethodDescriptor| {
            m.method_descriptor_proto()
                .options
                .as_ref()
                .map_or("IDEMPOTENCY_UNKNOWN", |o| {
                    o.idempotency_level().as_str_name()
                })
        };
        if level(&pm) != level(&cm) {
            out.add(
                "RPC_SAME_IDEMPOTENCY_LEVEL",
                pointer,
                format!(
                    "{rpc} changed option \"idempotency_level\" from {:?} to {:?}.",
                    level(&pm),
                    level(&cm)
                ),
            );
        }
    }
}
