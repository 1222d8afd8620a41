using System.Globalization;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using OrleansTenants.Crm;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>Numbers, timestamps and patterns: the literal forms a client may write for one value.</summary>
internal sealed partial class FieldValues
{
    // 2000-01-01, PostgreSQL's epoch: timestamps just before it round differently from those after it if the driver truncates.
    private static readonly long[] EdgeTicks =
        [0, DateTime.MaxValue.Ticks, 630_822_816_000_000_000, 630_822_815_999_999_999, 630_822_815_999_999_995, 1];

    private static Gen<string> ValidInteger(FieldDefinition field)
    {
        var (min, max) = ((long)(field.Minimum ?? long.MinValue), (long)(field.Maximum ?? long.MaxValue));
        long[] edges = [min, max, Math.Min(min + 1, max), Math.Max(max - 1, min), .. min <= 0 && max >= 0 ? [0L] : Array.Empty<long>()];
        return Gen.Frequency((4, Long(min, max)), (2, Long(min, Math.Min(max, min + 1000))), (1, Gen.Elements(edges)))
            .SelectMany(value => value == 0 ? Gen.Elements("0", "-0") : Gen.Constant(value.ToString(CultureInfo.InvariantCulture)));
    }

    private static string[] InvalidIntegers(FieldDefinition field) =>
        ["1.5", "1.0", "1e2", "0.5e1", "1e400", "-1e400", "123456789012345678901234567890", .. OutOfRange(field).Select(v => v.ToString(CultureInfo.InvariantCulture))];

    private static Gen<string> ValidDecimal(FieldDefinition field)
    {
        var scale = field.Scale ?? 2;
        var unit = Unit(scale);
        var low = (long)decimal.Ceiling((field.Minimum ?? -999_999_999_999m) / unit) + (field.ExclusiveMinimum ? 1 : 0);
        var high = (long)decimal.Floor((field.Maximum ?? 999_999_999_999m) / unit);
        return from units in Gen.Frequency((3, Long(low, high)), (3, Long(low, Math.Min(high, low + 100_000))), (1, Gen.Elements(low, high, Math.Min(low + 1, high))))
               let value = units * unit
               from literal in Gen.Elements(
                   value.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
                   (value / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
                   value.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + "000",
                   units.ToString(CultureInfo.InvariantCulture) + "e-" + scale.ToString(CultureInfo.InvariantCulture),
                   value == 0 ? "-0.0" : units.ToString(CultureInfo.InvariantCulture) + "E-" + scale.ToString(CultureInfo.InvariantCulture))
               select literal;
    }

    private Gen<string> InvalidDecimal(FieldDefinition field)
    {
        var scale = field.Scale ?? 2;
        var tooPrecise = from valid in ValidDecimal(field).Where(v => !v.Contains('e', StringComparison.OrdinalIgnoreCase) && !v.StartsWith('-'))
                         from digit in Gen.Choose(1, 9)
                         select decimal.Parse(valid, CultureInfo.InvariantCulture) + digit * Unit(scale + 1) is var value && value <= (field.Maximum ?? decimal.MaxValue)
                             ? value.ToString(CultureInfo.InvariantCulture)
                             : "0." + new string('0', scale) + "1";
        // Numbers no decimal holds exactly: tiny ones round to 0, long ones to 28 digits, huge ones overflow.
        string[] beyondDecimal =
            ["1e-30", "1E-29", "0.10000000000000000000000000000001", "12.3450000000000000000000000000000000001", "1e400", "-1e400", "1" + new string('0', 40),
             .. OutOfRange(field).Select(v => v.ToString(CultureInfo.InvariantCulture))];
        return Gen.Frequency((2, tooPrecise), (3, Gen.Elements(beyondDecimal)));
    }

    /// <summary>The nearest values outside the field's range.</summary>
    private static IEnumerable<decimal> OutOfRange(FieldDefinition field)
    {
        var unit = field.Type == CrmFieldType.Integer ? 1 : Unit(field.Scale ?? 2);
        if (field.Minimum is { } min)
        {
            yield return field.ExclusiveMinimum ? min : min - unit;
        }

        if (field.Maximum is { } max)
        {
            yield return max + unit;
        }
    }

    private static decimal Unit(int scale) => 1m / (decimal)Math.Pow(10, scale);

    /// <summary>An instant from year 1 to 9999 with 0 to 7 decimals and any offset the API accepts (up to 14 hours).</summary>
    private static Gen<string> ValidTimestamp() =>
        from ticks in Gen.Frequency((4, Long(0, DateTime.MaxValue.Ticks)), (2, Gen.Elements(EdgeTicks)))
        from decimals in Gen.Choose(0, 7)
        from offset in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Choose(-14 * 60, 14 * 60)))
        from zulu in Gen.Elements(true, false)
        select Timestamp(ticks - (ticks % (long)Math.Pow(10, 7 - decimals)), decimals, offset, zulu);

    private static string Timestamp(long utcTicks, int decimals, int offsetMinutes, bool zulu)
    {
        var local = utcTicks + (offsetMinutes * TimeSpan.TicksPerMinute);
        if (local < 0 || local > DateTime.MaxValue.Ticks)
        {
            (local, offsetMinutes) = (utcTicks, 0);
        }

        var time = new DateTime(local, DateTimeKind.Unspecified);
        var fraction = decimals == 0 ? string.Empty : "." + (local % TimeSpan.TicksPerSecond).ToString("D7", CultureInfo.InvariantCulture)[..decimals];
        var sign = offsetMinutes < 0 ? '-' : '+';
        var zone = offsetMinutes == 0 && zulu ? "Z" : $"{sign}{Math.Abs(offsetMinutes) / 60:D2}:{Math.Abs(offsetMinutes) % 60:D2}";
        return time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + fraction + zone;
    }

    /// <summary>The values of a pattern that lists them (<c>^(?:A|B|C)$</c>); any other pattern needs a generator of its own.</summary>
    private static string[] PatternAlternatives(FieldDefinition field) =>
        Alternatives().Match(field.Pattern!) is { Success: true } match
            ? match.Groups[1].Value.Split('|')
            : throw new NotSupportedException($"The fuzz generators cannot yet produce values for the pattern of {field}.");

    private static string[] PatternMismatches(FieldDefinition field)
    {
        var regex = new Regex(field.Pattern!, RegexOptions.CultureInvariant);
        return [.. PatternAlternatives(field).Take(5).SelectMany(v => new[] { v.ToLowerInvariant(), v[..^1] + "!", "ZZ" + v[0] })
            .Where(v => !regex.IsMatch(v))];
    }

    [GeneratedRegex(@"^\^\(\?:([^()]*)\)\$$")]
    private static partial Regex Alternatives();
}
