//! Free-text normalization for the search index and for text checks.
//!
//! [`search_tokens`] turns a title or summary into the words a search should match:
//! lower-cased, with common Latin diacritics folded away (so "Migración" finds "migracion"),
//! split at anything that is not a letter or digit, without one-letter words and a few English
//! stop words, each word once. Scripts written without spaces (Chinese, Japanese, Thai, Lao,
//! Khmer, Myanmar) are kept as runs: each run of letters becomes one token.
//!
//! [`has_control_characters`] tells whether a text contains characters that have no place
//! in a report (NUL, escape, and the other C0/C1 controls).

/// English words too common to be worth indexing.
pub const STOP_WORDS: &[&str] = &[
    "the", "and", "of", "in", "on", "for", "to", "a", "an", "with", "by", "at", "from", "its",
    "is", "are",
];

/// The search tokens of `text`, in order of first occurrence, without duplicates.
///
/// Steps: Unicode lower-casing; folding of common Latin diacritics and ligatures
/// (é→e, ü→u, ñ→n, ç→c, ø→o, å→a, ß→ss, æ→ae, œ→oe, đ→d, Vietnamese vowels...); combining
/// diacritical marks (U+0300..U+036F and similar blocks) are dropped, so decomposed text
/// folds the same way; splitting at every character that is not a letter, digit or a
/// combining mark of a letter's script (Thai tone marks and Indic viramas stay inside their
/// word); dropping tokens of one character and [`STOP_WORDS`].
///
/// For example "Trafficking in Persons: the Mekong & Bali Process — trafficking" gives
/// `["trafficking", "persons", "mekong", "bali", "process"]`.
pub fn search_tokens(text: &str) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut finish = |current: &mut String| {
        if current.chars().nth(1).is_some()
            && !STOP_WORDS.contains(&current.as_str())
            && !tokens.iter().any(|t| t == current)
        {
            tokens.push(std::mem::take(current));
        } else {
            current.clear();
        }
    };
    for original in text.chars() {
        for c in original.to_lowercase() {
            if is_dropped_mark(c) {
                // Part of the previous letter: folded away, not a separator.
                continue;
            }
            if let Some(folded) = fold_latin(c) {
                current.push_str(folded);
            } else if c.is_alphanumeric() || is_word_internal_mark(c) {
                current.push(c);
            } else {
                finish(&mut current);
            }
        }
    }
    finish(&mut current);
    tokens
}

/// `text` lower-cased, diacritics folded as in [`search_tokens`], with everything that is
/// not a letter or digit removed: the key names are compared by, so that "U.N. Women",
/// "UN-Women" and "UN Women" are one organization.
pub fn compact_key(text: &str) -> String {
    let mut key = String::new();
    for original in text.chars() {
        for c in original.to_lowercase() {
            if is_dropped_mark(c) {
                continue;
            }
            if let Some(folded) = fold_latin(c) {
                key.push_str(folded);
            } else if c.is_alphanumeric() || is_word_internal_mark(c) {
                key.push(c);
            }
        }
    }
    key
}

/// True when `text` contains a control character (Unicode category Cc: U+0000..U+001F,
/// U+007F..U+009F) other than tab, line feed and carriage return.
pub fn has_control_characters(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Combining marks that only decorate a Latin, Greek or Cyrillic letter (accents, cedillas,
/// dots): dropped by the folding.
fn is_dropped_mark(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'   // Combining Diacritical Marks
        | '\u{1AB0}'..='\u{1AFF}' // Combining Diacritical Marks Extended
        | '\u{1DC0}'..='\u{1DFF}' // Combining Diacritical Marks Supplement
        | '\u{20D0}'..='\u{20FF}' // Combining Diacritical Marks for Symbols
        | '\u{FE20}'..='\u{FE2F}' // Combining Half Marks
    )
}

/// Non-alphabetic characters that belong inside a word of their script: combining vowel
/// signs, tone marks and viramas of the Indic and South-east Asian scripts, Hebrew and
/// Arabic vowel points, and the Japanese voicing marks. Punctuation of those blocks
/// (dandas, Thai and Khmer sentence marks, currency signs) is excluded, so it still splits.
fn is_word_internal_mark(c: char) -> bool {
    match c {
        // Hebrew points (excluding maqaf, paseq, sof pasuq and nun hafukha).
        '\u{0591}'..='\u{05C7}' => !matches!(c, '\u{05BE}' | '\u{05C0}' | '\u{05C3}' | '\u{05C6}'),
        // Arabic marks.
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}' => !matches!(c, '\u{06DD}' | '\u{06DE}' | '\u{06E9}'),
        // Devanagari .. Sinhala: marks, except dandas, abbreviation signs, currency and
        // number-like signs, which `is_alphanumeric` does not accept anyway.
        '\u{0900}'..='\u{0DFF}' => !matches!(
            c,
            '\u{0964}' | '\u{0965}' | '\u{0970}' | '\u{09F2}'..='\u{09FB}' | '\u{0AF0}'
                | '\u{0AF1}' | '\u{0BF3}'..='\u{0BFA}' | '\u{0C7F}' | '\u{0D4F}' | '\u{0D79}'
                | '\u{0DF4}'
        ),
        // Thai and Lao: vowel signs and tone marks; not the baht sign nor punctuation.
        '\u{0E00}'..='\u{0EFF}' => !matches!(c, '\u{0E3F}' | '\u{0E4F}' | '\u{0E5A}' | '\u{0E5B}'),
        // Myanmar: marks; not the section signs and other punctuation.
        '\u{1000}'..='\u{109F}' => !matches!(c, '\u{104A}'..='\u{104F}' | '\u{109E}' | '\u{109F}'),
        // Khmer: marks; not the sentence punctuation and the riel sign.
        '\u{1780}'..='\u{17FF}' => !matches!(c, '\u{17D4}'..='\u{17DB}'),
        // Japanese kana voicing marks.
        '\u{3099}' | '\u{309A}' => true,
        _ => false,
    }
}

/// The ASCII folding of a lower-case Latin letter with a diacritic or a ligature, if any.
fn fold_latin(c: char) -> Option<&'static str> {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ǻ' | 'ạ' | 'ả' | 'ấ' | 'ầ'
        | 'ẩ' | 'ẫ' | 'ậ' | 'ắ' | 'ằ' | 'ẳ' | 'ẵ' | 'ặ' => "a",
        'æ' | 'ǽ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẹ' | 'ẻ' | 'ẽ' | 'ế' | 'ề' | 'ể'
        | 'ễ' | 'ệ' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' | 'ǧ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'ỉ' | 'ị' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' | 'ǩ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' | 'ǹ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ơ' | 'ǒ' | 'ǿ' | 'ọ' | 'ỏ' | 'ố'
        | 'ồ' | 'ổ' | 'ỗ' | 'ộ' | 'ớ' | 'ờ' | 'ở' | 'ỡ' | 'ợ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ư' | 'ǔ' | 'ǖ' | 'ǘ' | 'ǚ'
        | 'ǜ' | 'ụ' | 'ủ' | 'ứ' | 'ừ' | 'ử' | 'ữ' | 'ự' => "u",
        'ŵ' | 'ẁ' | 'ẃ' | 'ẅ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'ỳ' | 'ỵ' | 'ỷ' | 'ỹ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    };
    Some(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        search_tokens(text)
    }

    #[test]
    fn lowercases_splits_and_drops_stop_words() {
        assert_eq!(
            tokens(
                "Policy dialogue on international migration and development in Eastern and South-eastern Asia"
            ),
            [
                "policy",
                "dialogue",
                "international",
                "migration",
                "development",
                "eastern",
                "south",
                "asia"
            ]
        );
        assert_eq!(
            tokens("The Role of ESCAP, IOM & ILO (2007): a review"),
            ["role", "escap", "iom", "ilo", "2007", "review"]
        );
    }

    #[test]
    fn documented_example() {
        assert_eq!(
            tokens("Trafficking in Persons: the Mekong & Bali Process — trafficking"),
            ["trafficking", "persons", "mekong", "bali", "process"]
        );
    }

    #[test]
    fn drops_one_character_tokens() {
        assert_eq!(tokens("a b c x-y Women's rights"), ["women", "rights"]);
        assert_eq!(tokens("SDG 10.7 and GCM-10"), ["sdg", "10", "gcm"]);
    }

    #[test]
    fn deduplicates_in_first_occurrence_order() {
        assert_eq!(
            tokens("Training, TRAINING, training of trainers; Training"),
            ["training", "trainers"]
        );
        assert_eq!(tokens("Migración migracion MIGRACIÓN"), ["migracion"]);
    }

    #[test]
    fn folds_latin_diacritics() {
        assert_eq!(tokens("Réfugiés"), ["refugies"]);
        assert_eq!(tokens("Müller Straße"), ["muller", "strasse"]);
        assert_eq!(tokens("niños"), ["ninos"]);
        assert_eq!(tokens("Français"), ["francais"]);
        assert_eq!(tokens("Ørsted Århus"), ["orsted", "arhus"]);
        assert_eq!(tokens("Œuvre Æsir"), ["oeuvre", "aesir"]);
        assert_eq!(tokens("Việt Nam Đà Nẵng"), ["viet", "nam", "da", "nang"]);
        assert_eq!(tokens("Türkiye São Tomé"), ["turkiye", "sao", "tome"]);
        assert_eq!(tokens("Łódź"), ["lodz"]);
    }

    #[test]
    fn folds_decomposed_diacritics_the_same_way() {
        // "Réfugiés" with combining acute accents (NFD).
        assert_eq!(tokens("Re\u{301}fugie\u{301}s"), ["refugies"]);
        // Capital I with dot lower-cases to i + combining dot.
        assert_eq!(tokens("İstanbul"), ["istanbul"]);
    }

    #[test]
    fn keeps_cjk_and_thai_runs() {
        assert_eq!(tokens("国际移民 与 发展"), ["国际移民", "发展"]);
        assert_eq!(tokens("国际移民。人口贩运"), ["国际移民", "人口贩运"]);
        assert_eq!(tokens("移住労働者"), ["移住労働者"]);
        // Thai words keep their vowel signs and tone marks inside the token.
        assert_eq!(
            tokens("การย้ายถิ่น ระหว่างประเทศ"),
            ["การย้ายถิ่น", "ระหว่างประเทศ"]
        );
        // Thai punctuation still splits.
        assert_eq!(tokens("แรงงาน๏ข้ามชาติ"), ["แรงงาน", "ข้ามชาติ"]);
        // Hindi with virama and vowel signs stays one word; the danda splits.
        assert_eq!(tokens("प्रवासी श्रमिक।"), ["प्रवासी", "श्रमिक"]);
        // Khmer.
        assert_eq!(tokens("ការធ្វើចំណាកស្រុក។"), ["ការធ្វើចំណាកស្រុក"]);
    }

    #[test]
    fn other_scripts_are_lowercased() {
        assert_eq!(tokens("МИГРАЦИЯ и Миграция"), ["миграция"]);
        assert_eq!(tokens("ΜΕΤΑΝΑΣΤΕΥΣΗ"), ["μεταναστευση"]);
    }

    #[test]
    fn empty_and_separator_only_texts() {
        assert!(tokens("").is_empty());
        assert!(tokens("  -- ,,, !!! \n\t").is_empty());
        assert!(tokens("the and of").is_empty());
        assert!(tokens("\u{301}\u{301}").is_empty());
    }

    #[test]
    fn control_characters() {
        assert!(!has_control_characters("plain text"));
        assert!(!has_control_characters("line one\nline two\r\n\ttabbed"));
        assert!(!has_control_characters(
            "line\u{2028}separator\u{2029}paragraph"
        ));
        assert!(!has_control_characters("ไทย 中文 é"));
        assert!(!has_control_characters(""));
        assert!(has_control_characters("nul\u{0}"));
        assert!(has_control_characters("bell\u{7}"));
        assert!(has_control_characters("escape\u{1b}[31m"));
        assert!(has_control_characters("delete\u{7f}"));
        assert!(has_control_characters("c1\u{85}"));
        assert!(has_control_characters("c1\u{9f}"));
        assert!(has_control_characters("vertical\u{b}tab"));
        assert!(has_control_characters("form\u{c}feed"));
    }
}
