//! The streaming reader: an `iati-activities` document (or a single `iati-activity`, as
//! d-portal exports one) from any [`BufRead`], one [`RawActivity`] at a time.
//!
//! Memory is bounded by the largest activity, never by the file: each activity's children
//! are captured ([`super::xml::capture`]) and handed over, then dropped by the caller.
//! Anything outside `iati-activity` elements (comments, elements of other namespaces) is
//! skipped and counted.

use std::io::BufRead;

use quick_xml::events::Event;

use super::FileError;
use super::xml::{Captured, Scope, XmlSource, attributes_of, capture, declare};

/// One `iati-activity` as read: its attributes and its captured children, before mapping.
#[derive(Debug, Clone)]
pub struct RawActivity {
    /// Line of `<iati-activity>`.
    pub line: u64,
    /// Attributes of `iati-activity`, as (qualified name, value).
    pub(crate) attributes: Vec<(String, String)>,
    /// The language of narratives without `xml:lang`: the activity's `xml:lang`, else the
    /// document's, else empty.
    pub(crate) default_lang: String,
    /// Namespace prefixes in scope inside the activity.
    pub(crate) scope: Scope,
    /// Its child elements, in document order.
    pub(crate) children: Vec<Captured>,
    /// Non-whitespace text found directly inside `iati-activity` (lines), which IATI does
    /// not allow: reported, not kept.
    pub(crate) stray_text_lines: Vec<u64>,
}

enum State {
    /// Before the root element.
    Start,
    /// Inside `iati-activities`.
    InDocument { scope: Scope, lang: String },
    /// The document was a single `iati-activity`, already read.
    SingleActivityRead,
    /// Finished (or failed).
    Done,
}

/// Reads activities one by one; see the module documentation.
pub struct ActivityReader<R> {
    source: XmlSource<R>,
    state: State,
    /// Elements other than `iati-activity` skipped inside `iati-activities`.
    skipped_elements: u64,
    /// The document's `version` attribute.
    version: String,
}

impl<R: BufRead> ActivityReader<R> {
    /// A reader over `input` (UTF-8; a byte-order mark is skipped).
    pub fn new(input: R) -> ActivityReader<R> {
        ActivityReader {
            source: XmlSource::new(input),
            state: State::Start,
            skipped_elements: 0,
            version: String::new(),
        }
    }

    /// Bytes of input consumed so far (for progress).
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    /// The document's declared IATI version (`iati-activities/@version`), once read.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Elements of the document that were not activities and were skipped.
    pub fn skipped_elements(&self) -> u64 {
        self.skipped_elements
    }

    /// The next activity; `Ok(None)` at the end of the document. An error ends the
    /// document: XML cannot be read on past a syntax error.
    pub fn next_activity(&mut self) -> Result<Option<RawActivity>, FileError> {
        let result = self.advance();
        if result.is_err() {
            self.state = State::Done;
        }
        result
    }

    fn advance(&mut self) -> Result<Option<RawActivity>, FileError> {
        loop {
            match &self.state {
                State::Done => return Ok(None),
                State::SingleActivityRead => {
                    self.expect_end_of_document()?;
                    self.state = State::Done;
                    return Ok(None);
                }
                State::Start => {
                    let (line, event) = self.source.next().map_err(FileError::from)?;
                    let is_empty = matches!(event, Event::Empty(_));
                    match event {
                        Event::Decl(declaration) => {
                            if let Some(Ok(encoding)) = declaration.encoding() {
                                let encoding = encoding.trim().to_ascii_lowercase();
                                if !matches!(encoding.as_str(), "utf-8" | "utf8" | "us-ascii") {
                                    return Err(FileError::Encoding {
                                        encoding: encoding.to_string(),
                                    });
                                }
                            }
                        }
                        Event::Start(root) | Event::Empty(root)
                            if root.name().0 == "iati-activities" =>
                        {
                            let root = root.into_owned();
                            let attributes = attributes_of(&root, line)?;
                            let mut scope = Scope::new();
                            declare(&mut scope, &attributes);
                            self.version = attribute(&attributes, "version").to_string();
                            let lang = attribute(&attributes, "xml:lang").trim().to_string();
                            if is_empty {
                                self.state = State::Done;
                                return Ok(None);
                            }
                            self.state = State::InDocument { scope, lang };
                        }
                        Event::Start(root) if root.name().0 == "iati-activity" => {
                            let root = root.into_owned();
                            let attributes = attributes_of(&root, line)?;
                            let version = attributes
                                .iter()
                                .find(|(n, _)| n.ends_with(":version"))
                                .map(|(_, v)| v.clone())
                                .unwrap_or_default();
                            self.version = version;
                            let activity =
                                self.read_activity(line, attributes, false, &Scope::new(), "")?;
                            self.state = State::SingleActivityRead;
                            return Ok(Some(activity));
                        }
                        Event::Start(root) | Event::Empty(root) => {
                            return Err(FileError::NotIati {
                                line,
                                element: root.name().0.to_string(),
                            });
                        }
                        Event::Eof => {
                            return Err(FileError::NotIati {
                                line,
                                element: String::new(),
                            });
                        }
                        Event::Text(text) if !text.trim().is_empty() => {
                            return Err(FileError::Xml {
                                line,
                                message: "text before the root element".into(),
                            });
                        }
                        _ => {}
                    }
                }
                State::InDocument { scope, lang } => {
                    let scope = scope.clone();
                    let lang = lang.clone();
                    let (line, event) = self.source.next().map_err(FileError::from)?;
                    match event {
                        Event::Start(element) if element.name().0 == "iati-activity" => {
                            let element = element.into_owned();
                            let attributes = attributes_of(&element, line)?;
                            return self
                                .read_activity(line, attributes, false, &scope, &lang)
                                .map(Some);
                        }
                        Event::Empty(element) if element.name().0 == "iati-activity" => {
                            let element = element.into_owned();
                            let attributes = attributes_of(&element, line)?;
                            return self
                                .read_activity(line, attributes, true, &scope, &lang)
                                .map(Some);
                        }
                        Event::Start(element) => {
                            let element = element.into_owned();
                            capture(&mut self.source, &element, false, line, &scope)?;
                            self.skipped_elements += 1;
                        }
                        Event::Empty(_) => self.skipped_elements += 1,
                        Event::End(_) => {
                            self.expect_end_of_document()?;
                            self.state = State::Done;
                            return Ok(None);
                        }
                        Event::Eof => {
                            return Err(FileError::Xml {
                                line,
                                message: "the document ends before </iati-activities>".into(),
                            });
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn expect_end_of_document(&mut self) -> Result<(), FileError> {
        loop {
            let (line, event) = self.source.next().map_err(FileError::from)?;
            match event {
                Event::Eof => return Ok(()),
                Event::Start(_) | Event::Empty(_) => {
                    return Err(FileError::Xml {
                        line,
                        message: "an element after the end of the root element".into(),
                    });
                }
                Event::Text(text) if !text.trim().is_empty() => {
                    return Err(FileError::Xml {
                        line,
                        message: "text after the end of the root element".into(),
                    });
                }
                _ => {}
            }
        }
    }

    fn read_activity(
        &mut self,
        line: u64,
        attributes: Vec<(String, String)>,
        empty: bool,
        outer: &Scope,
        document_lang: &str,
    ) -> Result<RawActivity, FileError> {
        let mut scope = outer.clone();
        declare(&mut scope, &attributes);
        let own_lang = attribute(&attributes, "xml:lang").trim();
        let default_lang = if own_lang.is_empty() {
            document_lang.to_string()
        } else {
            own_lang.to_string()
        };
        let mut activity = RawActivity {
            line,
            attributes,
            default_lang,
            scope,
            children: Vec::new(),
            stray_text_lines: Vec::new(),
        };
        if empty {
            return Ok(activity);
        }
        loop {
            let (event_line, event) = self.source.next().map_err(FileError::from)?;
            match event {
                Event::Start(start) => {
                    let start = start.into_owned();
                    let child =
                        capture(&mut self.source, &start, false, event_line, &activity.scope)?;
                    activity.children.push(child);
                }
                Event::Empty(start) => {
                    let start = start.into_owned();
                    let child =
                        capture(&mut self.source, &start, true, event_line, &activity.scope)?;
                    activity.children.push(child);
                }
                Event::End(_) => return Ok(activity),
                Event::Text(text) if !text.trim().is_empty() => {
                    activity.stray_text_lines.push(event_line);
                }
                Event::GeneralRef(_) | Event::CData(_) => {
                    activity.stray_text_lines.push(event_line)
                }
                Event::Eof => {
                    return Err(FileError::Xml {
                        line: event_line,
                        message: format!(
                            "the document ends inside the iati-activity opened on line {line}"
                        ),
                    });
                }
                _ => {}
            }
        }
    }
}

fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> &'a str {
    attributes
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(xml: &str) -> Result<Vec<RawActivity>, FileError> {
        let mut reader = ActivityReader::new(xml.as_bytes());
        let mut out = Vec::new();
        while let Some(activity) = reader.next_activity()? {
            out.push(activity);
        }
        Ok(out)
    }

    #[test]
    fn reads_documents_and_single_activities() {
        let document = "<?xml version=\"1.0\"?>\n<iati-activities version=\"2.03\">\n <iati-activity xml:lang=\"fr\"><iati-identifier>A</iati-identifier></iati-activity>\n <iati-activity/>\n</iati-activities>\n";
        let activities = read_all(document).unwrap();
        assert_eq!(activities.len(), 2);
        assert_eq!(activities[0].line, 3);
        assert_eq!(activities[0].default_lang, "fr");
        assert_eq!(activities[0].children[0].element.text, "A");
        assert!(activities[1].children.is_empty());

        let single = "<iati-activity xmlns:x=\"urn:x\" x:version=\"2.03\"><title/></iati-activity>";
        let activities = read_all(single).unwrap();
        assert_eq!(activities.len(), 1);
        assert_eq!(
            activities[0].scope.get("x").map(String::as_str),
            Some("urn:x")
        );
    }

    #[test]
    fn refuses_what_is_not_iati() {
        assert!(matches!(
            read_all("<html><body/></html>"),
            Err(FileError::NotIati { line: 1, .. })
        ));
        assert!(matches!(
            read_all("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><iati-activities/>"),
            Err(FileError::Encoding { .. })
        ));
        assert!(matches!(
            read_all("<iati-activities>\n<iati-activity>\n<title></titel>"),
            Err(FileError::Xml { line: 3, .. })
        ));
        assert!(matches!(
            read_all("<iati-activities><iati-activity>"),
            Err(FileError::Xml { .. })
        ));
    }

    #[test]
    fn one_activity_in_memory_at_a_time() {
        // Activities are handed out as they are read: the first is available before the
        // second is parsed (a syntax error after it does not hide it).
        let mut reader = ActivityReader::new(
            "<iati-activities><iati-activity/><iati-activity><x></y></iati-activity></iati-activities>"
                .as_bytes(),
        );
        assert!(reader.next_activity().unwrap().is_some());
        assert!(reader.next_activity().is_err());
        assert!(reader.next_activity().unwrap().is_none());
    }
}
