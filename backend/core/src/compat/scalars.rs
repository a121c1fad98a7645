//! Checks on single values: `enum`/`const`, `format`, numbers and strings.

use super::json::{count, is_multiple, json_eq, number, show, show_num};
use super::types::Types;
use super::walk::{Here, Walker};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy)]
struct Limit {
    value: f64,
    exclusive: bool,
}

/// One end of the number line. Lower limits are handled as upper limits on the negated
/// number, so the comparison logic exists once.
struct End {
    sign: f64,
    inclusive_key: &'static str,
    exclusive_key: &'static str,
    inclusive_rule: &'static str,
    exclusive_rule: &'static str,
    unbounded: &'static str,
    inclusive_word: &'static str,
    exclusive_word: &'static str,
}

const UPPER: End = End {
    sign: 1.0,
    inclusive_key: "maximum",
    exclusive_key: "exclusiveMaximum",
    inclusive_rule: "maximum-decreased",
    exclusive_rule: "exclusive-maximum-decreased",
    unbounded: "numbers with no upper limit",
    inclusive_word: "up to",
    exclusive_word: "below",
};

const LOWER: End = End {
    sign: -1.0,
    inclusive_key: "minimum",
    exclusive_key: "exclusiveMinimum",
    inclusive_rule: "minimum-increased",
    exclusive_rule: "exclusive-minimum-increased",
    unbounded: "numbers with no lower limit",
    inclusive_word: "from",
    exclusive_word: "above",
};

impl End {
    /// The limits one schema object sets at this end, signed.
    fn limits(&self, m: &Map<String, Value>) -> Vec<Limit> {
        // Draft 4 spelled exclusivity as a boolean beside the plain keyword.
        let draft4 = m.get(self.exclusive_key) == Some(&Value::Bool(true));
        let mut out = Vec::new();
        if let Some(x) = number(m, self.inclusive_key) {
            out.push(Limit {
                value: self.sign * x,
                exclusive: draft4,
            });
        }
        if let Some(x) = number(m, self.exclusive_key) {
            out.push(Limit {
                value: self.sign * x,
                exclusive: true,
            });
        }
        out
    }

    fn describe(&self, old: Option<Limit>, finite: bool) -> String {
        match old {
            None => self.unbounded.to_owned(),
            Some(l) if finite => format!("the value {}", show_num(self.sign * l.value)),
            Some(l) => {
                let word = if l.exclusive {
                    self.exclusive_word
                } else {
                    self.inclusive_word
                };
                format!("numbers {word} {}", show_num(self.sign * l.value))
            }
        }
    }
}

fn tightest(limits: impl Iterator<Item = Limit>) -> Option<Limit> {
    limits.reduce(|a, b| {
        if b.value < a.value || (b.value == a.value && b.exclusive) {
            b
        } else {
            a
        }
    })
}

/// Over whole numbers `< 10` is `<= 9`; normalising avoids false alarms between the two.
fn whole(limit: Limit) -> Limit {
    let value = if limit.exclusive {
        limit.value.ceil() - 1.0
    } else {
        limit.value.floor()
    };
    Limit {
        value,
        exclusive: false,
    }
}

fn within(old: Option<Limit>, new: Limit) -> bool {
    match old {
        None => false,
        Some(o) if new.exclusive => o.value < new.value || (o.value == new.value && o.exclusive),
        Some(o) => o.value <= new.value,
    }
}

impl<'a> Walker<'a> {
    pub(super) fn enum_and_const(&mut self, here: &Here<'_, 'a>, m: &'a Map<String, Value>) {
        let anything = if here.live == Types::ALL {
            "any value".to_owned()
        } else {
            format!("any {}", here.live.describe())
        };
        if let Some(Value::Array(options)) = m.get("enum") {
            match &here.values {
                Some(values) => {
                    for v in values
                        .iter()
                        .filter(|v| !options.iter().any(|o| json_eq(o, v)))
                    {
                        let message = format!(
                            "{} allows {}, which the `enum` of {} does not list.",
                            self.src(),
                            show(v),
                            self.dst_name()
                        );
                        self.push(here.ptr, "enum-value-removed", message);
                    }
                }
                None => {
                    let message = format!(
                        "{} restricts values to the `enum` {}, but {} allows {anything}.",
                        self.dst(),
                        show(&Value::Array(options.clone())),
                        self.src_name()
                    );
                    self.push(here.ptr, "enum-value-removed", message);
                }
            }
        }
        if let Some(only) = m.get("const") {
            match &here.values {
                Some(values) => {
                    for v in values.iter().filter(|v| !json_eq(only, v)) {
                        let message = format!(
                            "{} allows {}, but {} only allows the constant {}.",
                            self.src(),
                            show(v),
                            self.dst_name(),
                            show(only)
                        );
                        self.push(here.ptr, "const-changed", message);
                    }
                }
                None => {
                    let message = format!(
                        "{} pins the value to the constant {}, but {} allows {anything}.",
                        self.dst(),
                        show(only),
                        self.src_name()
                    );
                    self.push(here.ptr, "const-changed", message);
                }
            }
        }
    }

    pub(super) fn format(&mut self, here: &Here<'_, 'a>, m: &'a Map<String, Value>) {
        let Some(Value::String(format)) = m.get("format") else {
            return;
        };
        let olds: Vec<&str> = here
            .objects()
            .filter_map(|o| o.get("format")?.as_str())
            .collect();
        if olds.contains(&format.as_str()) {
            return;
        }
        let message = match olds.first() {
            Some(old) => format!(
                "{} requires `format` \"{format}\" where {} requires \"{old}\".",
                self.dst(),
                self.src_name()
            ),
            None => format!(
                "{} requires `format` \"{format}\", which {} does not require.",
                self.dst(),
                self.src_name()
            ),
        };
        self.push(here.ptr, "format-added", message);
    }

    pub(super) fn numbers(&mut self, here: &Here<'_, 'a>, m: &'a Map<String, Value>) {
        let finite: Option<Vec<f64>> = here
            .values
            .as_ref()
            .map(|vs| vs.iter().filter_map(|v| v.as_f64()).collect());
        if finite.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let whole_only = !here.live.intersects(Types::FRACTION);
        for end in [&UPPER, &LOWER] {
            let old = match &finite {
                Some(xs) => xs
                    .iter()
                    .map(|x| end.sign * x)
                    .reduce(f64::max)
                    .map(|value| Limit {
                        value,
                        exclusive: false,
                    }),
                None => tightest(here.objects().flat_map(|o| end.limits(o))).map(|l| {
                    if whole_only {
                        whole(l)
                    } else {
                        l
                    }
                }),
            };
            for limit in end.limits(m) {
                if within(old, limit) {
                    continue;
                }
                let (key, rule) = if limit.exclusive {
                    (end.exclusive_key, end.exclusive_rule)
                } else {
                    (end.inclusive_key, end.inclusive_rule)
                };
                let message = format!(
                    "{} allows {}, but {} sets `{key}` to {}.",
                    self.src(),
                    end.describe(old, finite.is_some()),
                    self.dst_name(),
                    show_num(end.sign * limit.value)
                );
                self.push(here.ptr, rule, message);
            }
        }
        self.multiple_of(here, m, finite.as_deref(), whole_only);
    }

    fn multiple_of(
        &mut self,
        here: &Here<'_, 'a>,
        m: &'a Map<String, Value>,
        finite: Option<&[f64]>,
        whole_only: bool,
    ) {
        let Some(step) = number(m, "multipleOf").filter(|s| *s > 0.0) else {
            return;
        };
        if let Some(xs) = finite {
            for x in xs.iter().filter(|x| !is_multiple(**x, step)) {
                let message = format!(
                    "{} allows {}, which is not a multiple of {} as {} requires.",
                    self.src(),
                    show_num(*x),
                    show_num(step),
                    self.dst_name()
                );
                self.push(here.ptr, "multiple-of-changed", message);
            }
            return;
        }
        let olds: Vec<f64> = here
            .objects()
            .filter_map(|o| number(o, "multipleOf"))
            .collect();
        let covered =
            olds.iter().any(|o| is_multiple(*o, step)) || (whole_only && is_multiple(1.0, step));
        if covered {
            return;
        }
        let message = match olds.first() {
            Some(old) => format!(
                "{} allows multiples of {}, but {} requires multiples of {}.",
                self.src(),
                show_num(*old),
                self.dst_name(),
                show_num(step)
            ),
            None => format!(
                "{} allows numbers that are not multiples of {}, but {} sets `multipleOf` to {}.",
                self.src(),
                show_num(step),
                self.dst_name(),
                show_num(step)
            ),
        };
        self.push(here.ptr, "multiple-of-changed", message);
    }

    pub(super) fn strings(&mut self, here: &Here<'_, 'a>, m: &'a Map<String, Value>) {
        let lengths: Option<Vec<u64>> = here.values.as_ref().map(|vs| {
            vs.iter()
                .filter_map(|v| v.as_str())
                .map(|s| s.chars().count() as u64)
                .collect()
        });
        if lengths.as_ref().is_some_and(Vec::is_empty) {
            return;
        }
        let old_max = match &lengths {
            Some(ls) => ls.iter().max().copied(),
            None => here.objects().filter_map(|o| count(o, "maxLength")).min(),
        };
        let old_min = match &lengths {
            Some(ls) => ls.iter().min().copied().unwrap_or(0),
            None => here
                .objects()
                .filter_map(|o| count(o, "minLength"))
                .max()
                .unwrap_or(0),
        };
        let noun = Counted {
            what: "strings",
            unit: "characters",
        };
        if let Some(n) = count(m, "maxLength") {
            self.max_count(
                here.ptr,
                &noun,
                ("maxLength", "max-length-decreased"),
                n,
                old_max,
            );
        }
        if let Some(n) = count(m, "minLength") {
            self.min_count(
                here.ptr,
                &noun,
                ("minLength", "min-length-increased"),
                n,
                old_min,
            );
        }
        self.pattern(here, m);
    }

    fn pattern(&mut self, here: &Here<'_, 'a>, m: &'a Map<String, Value>) {
        let Some(Value::String(pattern)) = m.get("pattern") else {
            return;
        };
        let olds: Vec<&str> = here
            .objects()
            .filter_map(|o| o.get("pattern")?.as_str())
            .collect();
        if olds.contains(&pattern.as_str()) {
            return;
        }
        let message = match olds.first() {
            Some(old) => format!(
                "{} requires `pattern` \"{pattern}\" where {} requires \"{old}\"; regular expressions cannot be compared, so any change counts as breaking.",
                self.dst(),
                self.src_name()
            ),
            None => format!(
                "{} requires strings to match `pattern` \"{pattern}\", which {} does not require.",
                self.dst(),
                self.src_name()
            ),
        };
        self.push(here.ptr, "pattern-changed", message);
    }

    /// `maxLength`, `maxItems`, `maxProperties`: the accepting side must already stay within.
    pub(super) fn max_count(
        &mut self,
        ptr: &str,
        noun: &Counted,
        (key, rule): (&str, &str),
        new: u64,
        old: Option<u64>,
    ) {
        if matches!(old, Some(o) if o <= new) {
            return;
        }
        let Counted { what, unit } = noun;
        let accepted = match old {
            Some(o) => format!("up to {o} {unit}"),
            None => format!("any number of {unit}"),
        };
        let message = format!(
            "{} allows {what} with {accepted}, but {} sets `{key}` to {new}.",
            self.src(),
            self.dst_name()
        );
        self.push(ptr, rule, message);
    }

    /// `minLength`, `minItems`, `minProperties`: the accepting side must already stay above.
    pub(super) fn min_count(
        &mut self,
        ptr: &str,
        noun: &Counted,
        (key, rule): (&str, &str),
        new: u64,
        old: u64,
    ) {
        if old >= new {
            return;
        }
        let Counted { what, unit } = noun;
        let message = format!(
            "{} allows {what} with as few as {old} {unit}, but {} sets `{key}` to {new}.",
            self.src(),
            self.dst_name()
        );
        self.push(ptr, rule, message);
    }
}

/// What a count limit counts, for messages: "strings" with "characters", ...
pub(super) struct Counted {
    pub what: &'static str,
    pub unit: &'static str,
}
