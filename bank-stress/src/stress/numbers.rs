//! Numbers as a reader reads them on a report or a projector: `288,752`, not `288752`.

/// A whole number with its thousands grouped by commas (`-1,234,567`).
pub fn grouped(number: impl Into<i128>) -> String {
    let number: i128 = number.into();
    let digits = number.unsigned_abs().to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if number < 0 {
        text.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// A measurement rounded to a whole number, grouped (`288,752`).
pub fn grouped_rounded(value: f64) -> String {
    if value.is_finite() {
        grouped(value.round() as i128)
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{grouped, grouped_rounded};

    #[test]
    fn thousands_are_grouped_and_signs_kept() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(288_752), "288,752");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert!(grouped(i128::MIN).starts_with("-170,141,183,"));
        assert_eq!(grouped_rounded(100_000.4), "100,000");
        assert_eq!(grouped_rounded(f64::NAN), "NaN");
    }
}
