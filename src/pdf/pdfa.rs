//! PDF/A-3 additions that printpdf does not write (its XMP is for PDF/X and carries a random id):
//! XMP metadata with the PDF/A identification, an sRGB output intent, and associated files (the
//! DCC XML inside a certificate, ISO 19005-3 §6.8).
//!
//! What this does not reach, and no validator on this machine can confirm, is listed in
//! `docs/certificates.md` ("PDF/A-3").

use lopdf::{Dictionary, Object, Stream, StringFormat};

use super::layout::DocInfo;

const SRGB_ICC: &[u8] = include_bytes!("../../certificate-templates/icc/sRGB.icc");

/// A file carried inside the PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub name: String,
    /// e.g. `application/xml`.
    pub mime: String,
    pub description: String,
    pub bytes: Vec<u8>,
}

fn text(s: &str) -> Object {
    // PDF text strings outside Latin-1 need UTF-16BE with a byte order mark.
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn xmp(info: &DocInfo, producer: &str) -> String {
    let date = info.created_at.format("%Y-%m-%dT%H:%M:%SZ");
    let e = crate::dcc::xml::escape;
    format!(
        r#"<?xpacket begin="{bom}" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
   <pdfaid:part>3</pdfaid:part>
   <pdfaid:conformance>B</pdfaid:conformance>
   <dc:format>application/pdf</dc:format>
   <dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>
   <dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{subject}</rdf:li></rdf:Alt></dc:description>
   <pdf:Producer>{producer}</pdf:Producer>
   <pdf:Keywords>{keywords}</pdf:Keywords>
   <xmp:CreatorTool>{creator}</xmp:CreatorTool>
   <xmp:CreateDate>{date}</xmp:CreateDate>
   <xmp:ModifyDate>{date}</xmp:ModifyDate>
   <xmp:MetadataDate>{date}</xmp:MetadataDate>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"#,
        bom = '\u{feff}',
        title = e(&info.title),
        author = e(&info.author),
        subject = e(&info.subject),
        producer = e(producer),
        keywords = e(&info.keywords.join(",")),
        creator = e(&info.creator),
    )
}

/// Adds the XMP metadata, the output intent and the attachments to a document about to be saved.
pub fn apply(
    doc: &mut lopdf::Document,
    info: &DocInfo,
    producer: &str,
    attachments: &[Attachment],
) -> lopdf::Result<()> {
    let mut metadata = Stream::new(
        Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp(info, producer).into_bytes(),
    );
    // Readers that do not inflate streams must still find the identification.
    metadata.allows_compression = false;
    let metadata = doc.add_object(metadata);

    let icc = doc.add_object(Stream::new(
        Dictionary::from_iter(vec![("N", Object::Integer(3))]),
        SRGB_ICC.to_vec(),
    ));
    let intent = Dictionary::from_iter(vec![
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        ("OutputConditionIdentifier", text("sRGB IEC61966-2.1")),
        ("RegistryName", text("http://www.color.org")),
        ("Info", text("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(icc)),
    ]);

    let mut names = Vec::new();
    let mut specs = Vec::new();
    let mod_date = Object::String(
        info.created_at
            .format("D:%Y%m%d%H%M%S+00'00'")
            .to_string()
            .into_bytes(),
        StringFormat::Literal,
    );
    for a in attachments {
        let mut file = Stream::new(
            Dictionary::from_iter(vec![
                ("Type", Object::Name(b"EmbeddedFile".to_vec())),
                ("Subtype", Object::Name(a.mime.as_bytes().to_vec())),
                (
                    "Params",
                    Object::Dictionary(Dictionary::from_iter(vec![
                        ("Size", Object::Integer(a.bytes.len() as i64)),
                        ("ModDate", mod_date.clone()),
                    ])),
                ),
            ]),
            a.bytes.clone(),
        );
        file.allows_compression = true;
        let file = doc.add_object(file);
        let spec = doc.add_object(Dictionary::from_iter(vec![
            ("Type", Object::Name(b"Filespec".to_vec())),
            ("F", text(&a.name)),
            ("UF", text(&a.name)),
            ("Desc", text(&a.description)),
            ("AFRelationship", Object::Name(b"Alternative".to_vec())),
            (
                "EF",
                Object::Dictionary(Dictionary::from_iter(vec![
                    ("F", Object::Reference(file)),
                    ("UF", Object::Reference(file)),
                ])),
            ),
        ]));
        names.push(text(&a.name));
        names.push(Object::Reference(spec));
        specs.push(Object::Reference(spec));
    }

    let catalog = doc.catalog_mut()?;
    catalog.set("Metadata", Object::Reference(metadata));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    if !specs.is_empty() {
        catalog.set(
            "Names",
            Object::Dictionary(Dictionary::from_iter(vec![(
                "EmbeddedFiles",
                Object::Dictionary(Dictionary::from_iter(vec![("Names", Object::Array(names))])),
            )])),
        );
        catalog.set("AF", Object::Array(specs));
        catalog.set("PageMode", Object::Name(b"UseAttachments".to_vec()));
    }
    Ok(())
}
