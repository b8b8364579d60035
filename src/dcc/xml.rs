//! Writing the DCC: a small XML writer that escapes every text, and texts in one or both of
//! the certificate's languages.

use crate::domain::CertificateLanguage;

/// The ISO 639-1 codes of a certificate's languages, Vietnamese first.
pub(super) fn lang_codes(language: CertificateLanguage) -> &'static [&'static str] {
    match language {
        CertificateLanguage::Vi => &["vi"],
        CertificateLanguage::En => &["en"],
        CertificateLanguage::Both => &["vi", "en"],
    }
}

/// The `dcc:content` elements of a `dcc:textType` or `dcc:richContentType`: each a language code
/// (none for text as the user entered it) and the text.
#[derive(Default)]
pub(super) struct Text(pub(super) Vec<(Option<&'static str>, String)>);

impl Text {
    /// Text as entered, in whatever language the user wrote it.
    pub(super) fn free(text: impl Into<String>) -> Text {
        Text(vec![(None, text.into())])
    }

    pub(super) fn append(&mut self, other: Text) {
        self.0.extend(other.0);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A fixed text in the certificate's languages.
pub(super) fn tr(
    language: CertificateLanguage,
    vi: impl Into<String>,
    en: impl Into<String>,
) -> Text {
    let (vi, en) = (vi.into(), en.into());
    let text = |code: &'static str| match code {
        "vi" => vi.clone(),
        _ => en.clone(),
    };
    Text(
        lang_codes(language)
            .iter()
            .map(|&code| (Some(code), text(code)))
            .collect(),
    )
}

pub(super) fn ref_type_attr(ref_type: Option<&str>) -> Vec<(&str, &str)> {
    ref_type.map(|r| ("refType", r)).into_iter().collect()
}

/// An indented XML writer: an element per line, text and attributes escaped.
#[derive(Default)]
pub(super) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// A document that starts with its XML declaration.
    pub(super) fn document() -> Xml {
        let mut x = Xml::default();
        x.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x
    }

    /// The document's text.
    pub(super) fn finish(self) -> String {
        self.out
    }

    pub(super) fn el(&mut self, tag: &str, body: impl FnOnce(&mut Xml)) {
        self.el_attrs(tag, &[], body);
    }

    pub(super) fn el_attrs(
        &mut self,
        tag: &str,
        attrs: &[(&str, &str)],
        body: impl FnOnce(&mut Xml),
    ) {
        self.start_tag(tag, attrs);
        self.out.push('\n');
        self.depth += 1;
        body(self);
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{tag}>\n"));
    }

    /// `<tag>value</tag>` on one line.
    pub(super) fn leaf(&mut self, tag: &str, value: &str) {
        self.leaf_attrs(tag, &[], value);
    }

    pub(super) fn leaf_attrs(&mut self, tag: &str, attrs: &[(&str, &str)], value: &str) {
        self.start_tag(tag, attrs);
        self.out.push_str(&escape(value));
        self.out.push_str(&format!("</{tag}>\n"));
    }

    /// A `dcc:textType` or `dcc:richContentType` element holding `text`.
    pub(super) fn text(&mut self, tag: &str, text: &Text) {
        self.el(tag, |x| {
            for (lang, content) in &text.0 {
                let attrs: Vec<(&str, &str)> = lang.map(|l| ("lang", l)).into_iter().collect();
                x.leaf_attrs("dcc:content", &attrs, content);
            }
        });
    }

    pub(super) fn start_tag(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push_str(&format!(" {name}=\"{}\"", escape(value)));
        }
        self.out.push('>');
    }

    pub(super) fn indent(&mut self) {
        self.out.push_str(&"  ".repeat(self.depth));
    }
}

/// `text` as XML character data or attribute value: markup characters as entities, carriage
/// returns kept as `&#13;`, and characters XML 1.0 cannot hold (other control characters,
/// U+FFFE, U+FFFF) dropped. Also safe as HTML text and attribute values (the verification page)
/// and in the PDF's XMP metadata.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
