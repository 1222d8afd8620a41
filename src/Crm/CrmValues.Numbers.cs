using System.Globalization;

namespace OrleansTenants.Crm;

/// <summary>Number literals read exactly: what a field's type cannot hold is refused with the field's range or scale, never rounded.</summary>
internal static partial class CrmValues
{
    /// <summary>
    /// A decimal from a number literal. decimal rounds what it cannot hold (1e-30 to 0, a 40-digit fraction to 28 digits), so
    /// the literal's own digits decide the decimal places, and a number too large for decimal is out of the field's range.
    /// </summary>
    private static bool TryDecimal(FieldDefinition field, string literal, NumberStyles styles, out object? value, out string? reason)
    {
        value = null;
        if (!decimal.TryParse(literal, styles, CultureInfo.InvariantCulture, out var number))
        {
            reason = styles.HasFlag(NumberStyles.AllowExponent) || IsIntegerLiteral(literal)
                ? CheckRange(field, literal.StartsWith('-') ? decimal.MinValue : decimal.MaxValue) ?? "is out of range"
                : "must be a number";
            return false;
        }

        if (field.Scale is { } scale && DecimalPlaces(literal) > scale)
        {
            reason = $"must have at most {scale} decimal places";
            return false;
        }

        reason = null;
        value = number;
        return true;
    }

    /// <summary>Why an integer field refuses a literal: out of range when it is written as an integer, else not one.</summary>
    private static string IntegerReason(FieldDefinition field, string literal) =>
        IsIntegerLiteral(literal)
            ? CheckRange(field, literal.StartsWith('-') ? decimal.MinValue : decimal.MaxValue) ?? "is out of range"
            : "must be an integer";

    private static bool IsIntegerLiteral(string literal)
    {
        var digits = literal.AsSpan(literal.StartsWith('-') ? 1 : 0);
        return digits.Length > 0 && !digits.ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>The decimal places of a valid number literal's exact value, trailing zeros not counted: 1.50 has 1, 15e-3 has 3, 1e-30 has 30.</summary>
    private static long DecimalPlaces(string literal)
    {
        var e = literal.AsSpan().IndexOfAny('e', 'E');
        var mantissa = e < 0 ? literal.AsSpan() : literal.AsSpan(0, e);
        long exponent = 0;
        if (e >= 0 && !long.TryParse(literal.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
        {
            // Beyond long: a huge positive exponent has no fraction (and failed decimal.TryParse), a huge negative one only fraction.
            return literal[e + 1] == '-' ? long.MaxValue : 0;
        }

        var point = mantissa.IndexOf('.');
        var integerPart = (point < 0 ? mantissa : mantissa[..point]).TrimStart('-');
        var fraction = point < 0 ? [] : mantissa[(point + 1)..];
        if (integerPart.TrimStart('0').IsEmpty && fraction.TrimStart('0').IsEmpty)
        {
            return 0;
        }

        // The digits without the point, times 10 to the power (exponent - fraction length); each trailing zero raises the power.
        var trailingZeros = fraction.Length - fraction.TrimEnd('0').Length;
        if (trailingZeros == fraction.Length)
        {
            trailingZeros += integerPart.Length - integerPart.TrimEnd('0').Length;
        }

        return Math.Max(0, fraction.Length - trailingZeros - Math.Clamp(exponent, -int.MaxValue, int.MaxValue));
    }
}
