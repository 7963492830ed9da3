//! The `Condition` element (C): operators, keys and values, typed at parse time where the
//! operator says so.

use super::*;

impl PolicyParser<'_> {
    pub(super) fn conditions(&mut self, path: &JsonPath, value: &Json) -> Vec<Condition> {
        let mut out = Vec::new();
        let Some(ops) = self.members(value, path, None) else {
            return out;
        };
        for (op_name, keys) in ops {
            let op_path = path.key(op_name);
            let Some(op) = Operator::parse(op_name) else {
                let names = Operator::all_names();
                let suggestion = suggest(op_name, names.iter().map(String::as_str));
                self.err(
                    &op_path,
                    ErrorKind::UnknownOperator {
                        name: op_name.clone(),
                        suggestion,
                    },
                );
                continue;
            };
            let Some(keys) = self.members(keys, &op_path, None) else {
                continue;
            };
            let mut seen_lower: HashSet<String> = HashSet::new();
            for (key, values) in keys {
                let kpath = op_path.key(key);
                if key.is_empty() {
                    self.err(&kpath, ErrorKind::EmptyConditionKey);
                    continue;
                }
                if !seen_lower.insert(key.to_lowercase()) && !keys_exact_dup(keys, key) {
                    self.err(&kpath, ErrorKind::DuplicateConditionKey(key.clone()));
                }
                if let Some(values) = self.condition_values(&op, &kpath, values) {
                    if op.base == BaseOp::Bool && values.len() > 1 {
                        self.warn(&kpath, WarningKind::MultipleBoolValues);
                    }
                    out.push(Condition {
                        op: op.clone(),
                        key: key.clone(),
                        values,
                        path: kpath,
                    });
                }
            }
        }
        out
    }

    /// G-14, G-16, G-18, V-3: the values under one key.
    pub(super) fn condition_values(
        &mut self,
        op: &Operator,
        path: &JsonPath,
        value: &Json,
    ) -> Option<Vec<ConditionValue>> {
        let items: Vec<(JsonPath, &Json)> = match value {
            Json::Array(items) => {
                if !self.check_list_len(path, items.len()) {
                    return None;
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (path.index(i), v))
                    .collect()
            }
            other => vec![(path.clone(), other)],
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (p, item) in items {
            let text = match item {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.clone(),
                Json::Bool(b) => b.to_string(),
                other => {
                    self.wrong_type(&p, "a string, number or boolean", other);
                    ok = false;
                    continue;
                }
            };
            match self.condition_value(op, &p, text) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    pub(super) fn condition_value(
        &mut self,
        op: &Operator,
        path: &JsonPath,
        text: String,
    ) -> Option<ConditionValue> {
        if text.len() > self.limits.max_pattern_bytes {
            self.err(
                path,
                ErrorKind::PatternTooLong {
                    limit: self.limits.max_pattern_bytes,
                    what: "bytes in one value",
                },
            );
            return None;
        }
        let vt = op.base.value_type();
        let subst = self.version.substitutes_variables();
        if (matches!(op.base, BaseOp::StringLike | BaseOp::StringNotLike) || vt == ValueType::Arn)
            && !self.check_pattern_limits(path, &text)
        {
            return None;
        }
        let invalid = |expected: &'static str| ErrorKind::InvalidValue {
            operator: op.to_string(),
            value: text.clone(),
            expected,
        };
        if subst && text.contains("${") && !op.base.allows_variables() {
            // V-3: only string and ARN operators take variables.
            self.err(
                path,
                ErrorKind::VariableNotAllowed {
                    operator: op.to_string(),
                },
            );
            return None;
        }
        let error = match vt {
            ValueType::String | ValueType::Arn => None,
            ValueType::Numeric => value::Decimal::parse(&text)
                .is_none()
                .then(|| invalid("a decimal number")),
            ValueType::Date => value::parse_date(&text)
                .is_none()
                .then(|| invalid("an ISO 8601 date or epoch seconds")),
            ValueType::Bool | ValueType::Null => value::parse_bool(&text)
                .is_none()
                .then(|| invalid("true or false")),
            ValueType::Binary => value::base64_decoded_len(&text)
                .is_none()
                .then(|| invalid("base64")),
            ValueType::Ip => value::Cidr::parse(&text)
                .is_none()
                .then(|| invalid("an IP address or CIDR block")),
        };
        if let Some(e) = error {
            self.err(path, e);
            return None;
        }
        let template = if subst && op.base.allows_variables() {
            self.template(path, &text)?
        } else {
            Template::text(&text)
        };
        Some(ConditionValue {
            text,
            template,
            path: path.clone(),
        })
    }
}
