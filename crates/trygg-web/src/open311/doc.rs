//! One response tree, written as Open311 XML or JSON. Handlers build a
//! [`Val`]; [`Doc::render`] turns it into the body in the requested format,
//! so the two formats cannot drift apart.

use axum::http::StatusCode;
use axum::http::header::{CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The response format, taken from the path's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/xml; charset=utf-8` with an XML declaration.
    Xml,
    /// `application/json; charset=utf-8`.
    Json,
}

impl Format {
    /// Splits `name.ext` into the name and a known format.
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (name, ext) = file.rsplit_once('.')?;
        match ext {
            "xml" => Some((name, Format::Xml)),
            "json" => Some((name, Format::Json)),
            _ => None,
        }
    }

    /// The format a path asks for; JSON unless it ends in `.xml`.
    pub fn of_path(path: &str) -> Format {
        if path.ends_with(".xml") { Format::Xml } else { Format::Json }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// A value in a response.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Text (ids and codes are text too).
    Str(String),
    /// A number (only coordinates).
    Num(f64),
    /// A flag.
    Bool(bool),
    /// Absent: `null` in JSON, no element in XML.
    Null,
    /// A list whose items are XML elements with this name.
    List(&'static str, Vec<Val>),
    /// Named fields, in order.
    Obj(Vec<(&'static str, Val)>),
}

impl Val {
    /// Text.
    pub fn s(text: impl Into<String>) -> Val {
        Val::Str(text.into())
    }

    /// Text, or absent.
    pub fn opt(text: Option<impl Into<String>>) -> Val {
        text.map_or(Val::Null, |t| Val::Str(t.into()))
    }

    /// Writes JSON by hand, so that fields keep their order whatever serde_json's map is.
    fn write_json(&self, out: &mut String) {
        match self {
            Val::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
            Val::Num(n) if n.is_finite() => out.push_str(&n.to_string()),
            Val::Num(_) | Val::Null => out.push_str("null"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::List(_, items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
            Val::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('"');
                    out.push_str(k);
                    out.push_str("\":");
                    v.write_json(out);
                }
                out.push('}');
            }
        }
    }

    fn write_xml(&self, name: &str, out: &mut String) {
        match self {
            Val::Null => {}
            Val::Str(s) => element(name, &escape(s), out),
            Val::Num(n) => element(name, &n.to_string(), out),
            Val::Bool(b) => element(name, if *b { "true" } else { "false" }, out),
            Val::List(item, items) => {
                open(name, out);
                for v in items {
                    v.write_xml(item, out);
                }
                close(name, out);
            }
            Val::Obj(fields) => {
                open(name, out);
                for (k, v) in fields {
                    v.write_xml(k, out);
                }
                close(name, out);
            }
        }
    }
}

fn open(name: &str, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(name: &str, out: &mut String) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn element(name: &str, text: &str, out: &mut String) {
    open(name, out);
    out.push_str(text);
    close(name, out);
}

/// Escapes text for XML content and attributes, and drops the characters
/// XML 1.0 cannot carry at all (C0 controls other than tab and line feed,
/// U+FFFE, U+FFFF); a carriage return is kept as a character reference.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A whole response: the XML root element's name and the value under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    /// HTTP status.
    pub status: StatusCode,
    /// The XML root element (JSON has no root: the value itself is the body).
    pub root: &'static str,
    /// The content.
    pub val: Val,
}

impl Doc {
    /// A 200 response.
    pub fn ok(root: &'static str, val: Val) -> Doc {
        Doc { status: StatusCode::OK, root, val }
    }

    /// The body in `format`.
    pub fn body(&self, format: Format) -> String {
        match format {
            Format::Json => {
                let mut out = String::new();
                self.val.write_json(&mut out);
                out
            }
            Format::Xml => {
                let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
                match &self.val {
                    Val::Null => element(self.root, "", &mut out),
                    v => v.write_xml(self.root, &mut out),
                }
                out
            }
        }
    }

    /// The response in `format`.
    pub fn render(&self, format: Format) -> Response {
        let mut res = (self.status, self.body(format)).into_response();
        res.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(escape("a<b>&\"c'\u{1}\r\n"), "a&lt;b&gt;&amp;&quot;c&apos;&#13;\n");
        let doc = Doc::ok(
            "services",
            Val::List(
                "service",
                vec![Val::Obj(vec![
                    ("service_code", Val::s("x&y")),
                    ("gone", Val::Null),
                    ("n", Val::Num(1.5)),
                ])],
            ),
        );
        assert_eq!(
            doc.body(Format::Xml),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>x&amp;y</service_code>\
             <n>1.5</n></service></services>"
        );
        assert_eq!(doc.body(Format::Json), r#"[{"service_code":"x&y","gone":null,"n":1.5}]"#);
    }

    #[test]
    fn formats_come_from_the_extension() {
        assert_eq!(Format::split("klotter.xml"), Some(("klotter", Format::Xml)));
        assert_eq!(Format::split("12.json"), Some(("12", Format::Json)));
        assert_eq!(Format::split("12.yaml"), None);
        assert_eq!(Format::split("12"), None);
    }
}
