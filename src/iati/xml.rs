//! XML plumbing shared by the IATI reader and writer: a line-counting input, a small
//! element tree for one `iati-activity` child captured together with its verbatim text,
//! escaping, and the check that a kept element is one well-formed element.
//!
//! The reader never holds more than one `iati-activity` child at a time: [`XmlSource`]
//! streams events from any [`BufRead`], and [`capture`] turns the events of one child
//! element into an [`Element`] (for mapping) and the exact text it was written as (for
//! keeping). Line numbers are exact: [`LineCounter`] counts the newlines quick-xml has
//! consumed, and quick-xml consumes the input up to the end of each event, never beyond.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read};

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// A [`BufRead`] that counts the bytes and newlines consumed through it.
pub(crate) struct LineCounter<R> {
    inner: R,
    newlines: u64,
    consumed: u64,
}

impl<R: BufRead> LineCounter<R> {
    fn new(inner: R) -> Self {
        LineCounter {
            inner,
            newlines: 0,
            consumed: 0,
        }
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if amount > 0 {
            // The bytes being consumed are still in the inner buffer: the caller just got
            // them from `fill_buf`, so this call reads nothing.
            if let Ok(buffer) = self.inner.fill_buf() {
                let seen = &buffer[..amount.min(buffer.len())];
                self.newlines += seen.iter().filter(|&&b| b == b'\n').count() as u64;
            }
            self.consumed += amount as u64;
        }
        self.inner.consume(amount);
    }
}

/// Malformed XML: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlProblem {
    /// 1-based line.
    pub line: u64,
    /// What is wrong.
    pub message: String,
}

/// A stream of XML events with the line each one starts on.
pub(crate) struct XmlSource<R> {
    reader: Reader<LineCounter<R>>,
    buffer: Vec<u8>,
}

impl<R: BufRead> XmlSource<R> {
    pub(crate) fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(LineCounter::new(input));
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = false;
        config.trim_text(false);
        XmlSource {
            reader,
            buffer: Vec::with_capacity(8 * 1024),
        }
    }

    /// The current line (1-based): where the next event starts.
    pub(crate) fn line(&self) -> u64 {
        self.reader.get_ref().newlines + 1
    }

    /// Bytes of input consumed so far.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.reader.get_ref().consumed
    }

    /// The next event and the line it starts on.
    pub(crate) fn next(&mut self) -> Result<(u64, Event<'_>), XmlProblem> {
        let line = self.line();
        self.buffer.clear();
        match self.reader.read_event_into(&mut self.buffer) {
            Ok(event) => Ok((line, event)),
            Err(error) => Err(XmlProblem {
                line: self.reader.get_ref().newlines + 1,
                message: format!("malformed XML: {error}"),
            }),
        }
    }
}

/// Namespace prefixes in scope: prefix → namespace name.
pub(crate) type Scope = BTreeMap<String, String>;

/// The namespace declarations (`xmlns:p="uri"`) among `attributes`, added to `scope`.
pub(crate) fn declare(scope: &mut Scope, attributes: &[(String, String)]) {
    for (name, value) in attributes {
        if let Some(prefix) = name.strip_prefix("xmlns:") {
            scope.insert(prefix.to_string(), value.clone());
        }
    }
}

/// One element of an `iati-activity` child, with its text (entities resolved, line ends
/// normalized) and its children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    /// Qualified name as written ("sector", "usg:treasury-account").
    pub name: String,
    /// Line of its start tag.
    pub line: u64,
    /// Attributes as (qualified name, value), in document order.
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Text directly inside the element (not inside its children).
    pub text: String,
}

impl Element {
    /// A new element without attributes.
    pub(crate) fn new(name: &str) -> Element {
        Element {
            name: name.to_string(),
            ..Element::default()
        }
    }

    /// Adds an attribute (builder style).
    pub(crate) fn with(mut self, name: &str, value: &str) -> Element {
        self.attributes.push((name.to_string(), value.to_string()));
        self
    }

    /// Adds a child (builder style).
    pub(crate) fn child_element(mut self, child: Element) -> Element {
        self.children.push(child);
        self
    }

    /// Sets the text (builder style).
    pub(crate) fn text(mut self, text: &str) -> Element {
        self.text = text.to_string();
        self
    }

    /// The value of attribute `name`, if present.
    pub(crate) fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed value of attribute `name`, `None` when absent or blank.
    pub(crate) fn attr_value(&self, name: &str) -> Option<&str> {
        self.attr(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Children named `name`.
    pub(crate) fn children_named<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The namespace `prefix` is bound to by this element's own declarations.
    pub(crate) fn declared(&self, prefix: &str) -> Option<&str> {
        let wanted = format!("xmlns:{prefix}");
        self.attr(&wanted)
    }

    /// Value of the attribute `local` in namespace `namespace`, looking up prefixes in this
    /// element's declarations and then in `outer`.
    pub(crate) fn attr_in(&self, namespace: &str, local: &str, outer: &Scope) -> Option<&str> {
        self.attributes.iter().find_map(|(name, value)| {
            let (prefix, name_local) = name.split_once(':')?;
            if prefix == "xmlns" || name_local != local {
                return None;
            }
            let bound = self
                .declared(prefix)
                .or_else(|| outer.get(prefix).map(String::as_str))?;
            (bound == namespace).then_some(value.as_str())
        })
    }

    /// This element's declarations added to `outer`.
    pub(crate) fn scope(&self, outer: &Scope) -> Scope {
        let mut scope = outer.clone();
        declare(&mut scope, &self.attributes);
        scope
    }

    /// A comparable form: namespace declarations dropped, attributes sorted, whitespace-only
    /// text dropped, other text trimmed; narratives without `xml:lang` get `default_lang`.
    pub(crate) fn canonical(&self, default_lang: &str) -> Element {
        let mut attributes: Vec<(String, String)> = self
            .attributes
            .iter()
            .filter(|(n, _)| n != "xmlns" && !n.starts_with("xmlns:"))
            .map(|(n, v)| (n.clone(), v.trim().to_string()))
            .collect();
        if self.name == "narrative" && !default_lang.is_empty() && self.attr("xml:lang").is_none() {
            attributes.push(("xml:lang".into(), default_lang.to_string()));
        }
        attributes.sort();
        Element {
            name: self.name.clone(),
            line: 0,
            attributes,
            children: self
                .children
                .iter()
                .map(|c| c.canonical(default_lang))
                .collect(),
            text: self.text.trim().to_string(),
        }
    }

    /// Writes the element as XML (attributes and text escaped), with children on their own
    /// lines indented by `indent` plus one space per level. Elements without children or
    /// text are written empty (`<x/>`).
    pub(crate) fn write_to(&self, out: &mut String, indent: usize) {
        out.push('<');
        out.push_str(&self.name);
        for (name, value) in &self.attributes {
            out.push(' ');
            out.push_str(name);
            out.push_str("=\"");
            escape_into(out, value, true);
            out.push('"');
        }
        if self.children.is_empty() && self.text.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        escape_into(out, &self.text, false);
        if !self.children.is_empty() {
            for child in &self.children {
                out.push('\n');
                push_indent(out, indent + 1);
                child.write_to(out, indent + 1);
            }
            out.push('\n');
            push_indent(out, indent);
        }
        out.push_str("</");
        out.push_str(&self.name);
        out.push('>');
    }
}

fn push_indent(out: &mut String, indent: usize) {
    for _ in 0..indent {
        out.push(' ');
    }
}

/// Appends `text` escaped for XML content (`&`, `<`, `>`) or, with `attribute`, for a
/// double-quoted attribute value (also `"` and the line-end characters, which an attribute
/// would otherwise lose to normalization).
pub(crate) fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
}

/// `text` escaped (see [`escape_into`]).
pub(crate) fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    escape_into(&mut out, text, attribute);
    out
}

/// The attributes of a start tag, values normalized and unescaped.
pub(crate) fn attributes_of(
    start: &BytesStart<'_>,
    line: u64,
) -> Result<Vec<(String, String)>, XmlProblem> {
    let mut out = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| XmlProblem {
            line,
            message: format!("malformed attribute in <{}>: {error}", start.name().0),
        })?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|error| XmlProblem {
                line,
                message: format!(
                    "attribute {} of <{}>: {error}",
                    attribute.key.0,
                    start.name().0
                ),
            })?;
        out.push((attribute.key.0.to_string(), value.into_owned()));
    }
    Ok(out)
}

/// The replacement text of `&name;`: a character reference or one of XML's five entities.
fn resolve_reference(name: &str) -> Option<String> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix('x') {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse::<u32>().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_predefined_entity(name).map(str::to_string)
}

/// Line ends normalized as an XML parser must (`\r\n` and lone `\r` become `\n`).
fn normalize_line_ends(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// An element captured from the stream: its tree and its verbatim text.
#[derive(Debug, Clone)]
pub(crate) struct Captured {
    pub element: Element,
    /// The element as written, plus declarations of the namespace prefixes it uses that
    /// were declared outside it (so that it stands alone).
    pub xml: String,
}

/// Prefix of a qualified name, if any (`usg:x` → `usg`).
fn prefix_of(name: &str) -> Option<&str> {
    name.split_once(':').map(|(p, _)| p)
}

/// Captures the element whose start tag `start` (on `line`) was just read: reads its
/// content up to the matching end tag (nothing more for an empty element). `outer` holds
/// the prefixes declared by its ancestors.
pub(crate) fn capture<R: BufRead>(
    source: &mut XmlSource<R>,
    start: &BytesStart<'_>,
    empty: bool,
    line: u64,
    outer: &Scope,
) -> Result<Captured, XmlProblem> {
    let mut root = Element {
        name: start.name().0.to_string(),
        line,
        attributes: attributes_of(start, line)?,
        ..Element::default()
    };
    let root_tag = format!("<{}", &**start);
    let mut body = String::new();
    // Prefixes used where no declaration inside the captured element covers them.
    let mut needed: Vec<String> = Vec::new();
    let note_uses = |element: &Element, declared: &[Vec<String>], needed: &mut Vec<String>| {
        let names = std::iter::once(element.name.as_str())
            .chain(element.attributes.iter().map(|(n, _)| n.as_str()));
        for name in names {
            if let Some(prefix) = prefix_of(name)
                && prefix != "xml"
                && prefix != "xmlns"
                && !declared
                    .iter()
                    .any(|level| level.iter().any(|p| p == prefix))
                && !needed.iter().any(|p| p == prefix)
            {
                needed.push(prefix.to_string());
            }
        }
    };
    let declared_by = |element: &Element| -> Vec<String> {
        element
            .attributes
            .iter()
            .filter_map(|(n, _)| n.strip_prefix("xmlns:").map(str::to_string))
            .collect()
    };
    let mut declared: Vec<Vec<String>> = vec![declared_by(&root)];
    note_uses(&root, &declared, &mut needed);
    let mut stack: Vec<Element> = Vec::new();
    if !empty {
        loop {
            let (event_line, event) = source.next()?;
            match event {
                Event::Start(tag) => {
                    body.push('<');
                    body.push_str(&tag);
                    body.push('>');
                    let element = Element {
                        name: tag.name().0.to_string(),
                        line: event_line,
                        attributes: attributes_of(&tag, event_line)?,
                        ..Element::default()
                    };
                    declared.push(declared_by(&element));
                    note_uses(&element, &declared, &mut needed);
                    stack.push(element);
                }
                Event::Empty(tag) => {
                    body.push('<');
                    body.push_str(&tag);
                    body.push_str("/>");
                    let element = Element {
                        name: tag.name().0.to_string(),
                        line: event_line,
                        attributes: attributes_of(&tag, event_line)?,
                        ..Element::default()
                    };
                    declared.push(declared_by(&element));
                    note_uses(&element, &declared, &mut needed);
                    declared.pop();
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(element),
                        None => root.children.push(element),
                    }
                }
                Event::End(tag) => {
                    declared.pop();
                    match stack.pop() {
                        Some(element) => {
                            body.push_str("</");
                            body.push_str(tag.name().0);
                            body.push('>');
                            match stack.last_mut() {
                                Some(parent) => parent.children.push(element),
                                None => root.children.push(element),
                            }
                        }
                        // The end of the captured element itself.
                        None => break,
                    }
                }
                Event::Text(text) => {
                    body.push_str(&text);
                    let target = stack.last_mut().unwrap_or(&mut root);
                    target.text.push_str(&normalize_line_ends(&text));
                }
                Event::GeneralRef(reference) => {
                    let name: &str = &reference;
                    let Some(replacement) = resolve_reference(name) else {
                        return Err(XmlProblem {
                            line: event_line,
                            message: format!(
                                "unknown entity &{name}; (only XML's five entities and character references are allowed)"
                            ),
                        });
                    };
                    body.push('&');
                    body.push_str(name);
                    body.push(';');
                    let target = stack.last_mut().unwrap_or(&mut root);
                    target.text.push_str(&replacement);
                }
                Event::CData(data) => {
                    body.push_str("<![CDATA[");
                    body.push_str(&data);
                    body.push_str("]]>");
                    let target = stack.last_mut().unwrap_or(&mut root);
                    target.text.push_str(&normalize_line_ends(&data));
                }
                Event::Comment(comment) => {
                    body.push_str("<!--");
                    body.push_str(&comment);
                    body.push_str("-->");
                }
                Event::PI(pi) => {
                    body.push_str("<?");
                    body.push_str(&pi);
                    body.push_str("?>");
                }
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(XmlProblem {
                        line: event_line,
                        message: "an XML declaration or DOCTYPE inside an element".into(),
                    });
                }
                Event::Eof => {
                    return Err(XmlProblem {
                        line: event_line,
                        message: format!(
                            "the document ends inside <{}> (opened on line {line})",
                            root.name
                        ),
                    });
                }
            }
        }
    }
    let mut added = String::new();
    for prefix in &needed {
        let Some(namespace) = outer.get(prefix) else {
            return Err(XmlProblem {
                line,
                message: format!(
                    "namespace prefix {prefix:?} used in <{}> is not declared",
                    root.name
                ),
            });
        };
        added.push_str(&format!(" xmlns:{prefix}=\"{}\"", escape(namespace, true)));
        root.attributes
            .push((format!("xmlns:{prefix}"), namespace.clone()));
    }
    let xml = if empty {
        // `root_tag` may end with the spaces written before "/>".
        format!("{root_tag}{added}/>")
    } else {
        format!("{root_tag}{added}>{body}</{}>", root.name)
    };
    Ok(Captured { element: root, xml })
}

/// Parses a kept element's text back into a tree (the same rules as [`capture`]); the
/// reference [`check_one`] is tested against.
#[cfg(test)]
pub(crate) fn parse_one(xml: &str) -> Result<Element, XmlProblem> {
    let mut source = XmlSource::new(xml.as_bytes());
    let (line, event) = source.next()?;
    let (start, empty) = match event {
        Event::Start(start) => (start.into_owned(), false),
        Event::Empty(start) => (start.into_owned(), true),
        _ => {
            return Err(XmlProblem {
                line,
                message: "expected one element, starting at the first character".into(),
            });
        }
    };
    let captured = capture(&mut source, &start, empty, line, &Scope::new())?;
    match source.next()? {
        (_, Event::Eof) => Ok(captured.element),
        (line, _) => Err(XmlProblem {
            line,
            message: "expected one element, and nothing after it".into(),
        }),
    }
}

/// Checks that `xml` is exactly one well-formed element that declares every namespace
/// prefix it uses, without building anything; returns the element's name. What
/// `parse_one` accepts, at a fraction of the cost (validation runs it on every kept
/// element of every report).
pub(crate) fn check_one(xml: &str) -> Result<String, XmlProblem> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    let problem = |message: String| XmlProblem { line: 1, message };
    let mut root = None::<String>;
    // Prefixes declared by each open element.
    let mut declared: Vec<Vec<String>> = Vec::new();
    let mut ended = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|error| problem(format!("malformed XML: {error}")))?;
        let (start, empty) = match event {
            Event::Start(start) => (start, false),
            Event::Empty(start) => (start, true),
            Event::End(_) => {
                declared.pop();
                if declared.is_empty() {
                    ended = true;
                }
                continue;
            }
            Event::Eof if ended => break,
            Event::Eof => return Err(problem("the element is not closed".into())),
            Event::Text(_) | Event::CData(_) | Event::Comment(_) | Event::PI(_)
                if root.is_some() && !ended =>
            {
                continue;
            }
            Event::GeneralRef(reference) if root.is_some() && !ended => {
                if resolve_reference(&reference).is_none() {
                    return Err(problem(format!("unknown entity &{};", &*reference)));
                }
                continue;
            }
            _ => {
                return Err(problem(
                    "expected one element, starting at the first character and with nothing after it"
                        .into(),
                ));
            }
        };
        if ended || (root.is_some() && declared.is_empty()) {
            return Err(problem("expected one element, and nothing after it".into()));
        }
        let mut mine = Vec::new();
        let mut used: Vec<&str> = Vec::new();
        if let Some(prefix) = prefix_of(start.name().0) {
            used.push(prefix);
        }
        for attribute in start.attributes() {
            let attribute =
                attribute.map_err(|error| problem(format!("malformed attribute: {error}")))?;
            attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|error| problem(format!("malformed attribute value: {error}")))?;
            let name = attribute.key.0;
            if let Some(prefix) = name.strip_prefix("xmlns:") {
                mine.push(prefix.to_string());
            } else if let Some(prefix) = prefix_of(name) {
                used.push(prefix);
            }
        }
        for prefix in used {
            let known = prefix == "xml"
                || mine.iter().any(|p| p == prefix)
                || declared
                    .iter()
                    .any(|level| level.iter().any(|p| p == prefix));
            if !known {
                return Err(problem(format!(
                    "namespace prefix {prefix:?} used in <{}> is not declared",
                    start.name().0
                )));
            }
        }
        if root.is_none() {
            root = Some(start.name().0.to_string());
        }
        if empty {
            if declared.is_empty() {
                ended = true;
            }
        } else {
            declared.push(mine);
        }
    }
    root.ok_or_else(|| problem("no element".into()))
}

/// True when `name` is an XML name without a colon (what an attribute of iati-activity
/// kept as an extra may be called) — or, with `allow_prefix`, a qualified name.
pub(crate) fn is_xml_name(name: &str, allow_prefix: bool) -> bool {
    let mut parts = name.split(':');
    let valid_part = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), None, None) => valid_part(local),
        (Some(prefix), Some(local), None) => {
            allow_prefix && valid_part(prefix) && valid_part(local)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture_first(xml: &str, outer: &Scope) -> Result<Captured, XmlProblem> {
        let mut source = XmlSource::new(xml.as_bytes());
        loop {
            let (line, event) = source.next()?;
            match event {
                Event::Start(start) => {
                    let start = start.into_owned();
                    return capture(&mut source, &start, false, line, outer);
                }
                Event::Empty(start) => {
                    let start = start.into_owned();
                    return capture(&mut source, &start, true, line, outer);
                }
                Event::Eof => panic!("no element"),
                _ => {}
            }
        }
    }

    #[test]
    fn lines_are_counted_exactly() {
        let xml = "<a>\n  <b x=\"1\"\n     y=\"2\"/>\r\n  <c>text\nmore</c>\n</a>";
        let mut source = XmlSource::new(xml.as_bytes());
        let mut starts = Vec::new();
        loop {
            let (line, event) = source.next().unwrap();
            match event {
                Event::Start(tag) | Event::Empty(tag) => {
                    starts.push((tag.name().0.to_string(), line))
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(
            starts,
            [
                ("a".to_string(), 1),
                ("b".to_string(), 2),
                ("c".to_string(), 4)
            ]
        );
    }

    #[test]
    fn capture_keeps_the_text_and_builds_the_tree() {
        let xml = "<sector code=\"72010\" vocabulary=\"1\">\n  <narrative xml:lang=\"fr\">A &amp; B &#233;</narrative>\n  <!-- note -->\n</sector>";
        let captured = capture_first(xml, &Scope::new()).unwrap();
        assert_eq!(captured.xml, xml);
        let element = &captured.element;
        assert_eq!(element.attr("code"), Some("72010"));
        let narrative = element.child("narrative").unwrap();
        assert_eq!(narrative.text, "A & B é");
        assert_eq!(narrative.attr("xml:lang"), Some("fr"));
        assert_eq!(narrative.line, 2);
    }

    #[test]
    fn capture_declares_prefixes_declared_outside() {
        let mut outer = Scope::new();
        outer.insert("usg".into(), "http://example.org/usg".into());
        let captured = capture_first("<usg:a usg:b=\"1\"/>", &outer).unwrap();
        assert_eq!(
            captured.xml,
            "<usg:a usg:b=\"1\" xmlns:usg=\"http://example.org/usg\"/>"
        );
        let inside =
            capture_first("<x><p:y xmlns:p=\"urn:p\"><p:z/></p:y></x>", &Scope::new()).unwrap();
        assert_eq!(inside.xml, "<x><p:y xmlns:p=\"urn:p\"><p:z/></p:y></x>");
        let undeclared = capture_first("<x><q:y/></x>", &Scope::new()).unwrap_err();
        assert!(undeclared.message.contains("\"q\""), "{undeclared:?}");
    }

    #[test]
    fn parse_one_and_check_one_accept_one_element_only() {
        for good in [
            "<a><b/></a>",
            "<a/>",
            "<a x=\"1\">t &amp; &#233;<!-- c --><![CDATA[<x>]]></a>",
            "<p:a xmlns:p=\"urn:p\"><p:b p:c=\"1\"/></p:a>",
            "<a xml:lang=\"en\"/>",
        ] {
            assert!(parse_one(good).is_ok(), "{good}");
            assert_eq!(
                check_one(good).unwrap(),
                parse_one(good).unwrap().name,
                "{good}"
            );
        }
        for bad in [
            "<a></b>",
            "<a/><b/>",
            "<a></a><b/>",
            " <a/>",
            "text",
            "<a>&nbsp;</a>",
            "<a>",
            "",
            "<a><p:b/></a>",
            "<a/>trailing",
            "<?xml version=\"1.0\"?><a/>",
        ] {
            assert!(parse_one(bad).is_err(), "parse_one {bad}");
            assert!(check_one(bad).is_err(), "check_one {bad}");
        }
    }

    #[test]
    fn written_elements_parse_back_the_same() {
        let element = Element::new("contact-info")
            .with("type", "1")
            .child_element(
                Element::new("organisation")
                    .child_element(Element::new("narrative").text("A <&> \"B\"")),
            )
            .child_element(Element::new("email").text("a@example.org"));
        let mut xml = String::new();
        element.write_to(&mut xml, 2);
        let parsed = parse_one(&xml).unwrap();
        assert_eq!(parsed.canonical(""), element.canonical(""));
    }

    #[test]
    fn xml_names() {
        assert!(is_xml_name("default-currency", false));
        assert!(!is_xml_name("usg:x", false));
        assert!(is_xml_name("usg:x", true));
        assert!(!is_xml_name("1x", true));
        assert!(!is_xml_name("a b", true));
        assert!(!is_xml_name("", true));
    }
}
