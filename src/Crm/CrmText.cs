using System.Text;

namespace OrleansTenants.Crm;

/// <summary>Text helpers: lengths as PostgreSQL counts them, what text can store, client-made names made safe to repeat.</summary>
internal static class CrmText
{
    private const int MaxClientNameLength = 64;

    /// <summary>A name the client made up (an unknown field or parameter), made safe to repeat: short, no control or formatting characters (such as a right-to-left override). Unpaired surrogates were already turned into U+FFFD.</summary>
    public static string ClientName(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, MaxClientNameLength) + 1);
        foreach (var rune in name.EnumerateRunes())
        {
            if (builder.Length >= MaxClientNameLength)
            {
                builder.Append('…');
                break;
            }

            builder.Append(Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) == System.Globalization.UnicodeCategory.Format ? "\uFFFD" : rune.ToString());
        }

        return builder.Length == 0 ? "(empty name)" : builder.ToString();
    }

    /// <summary>The length in Unicode code points, as PostgreSQL's char_length counts it.</summary>
    public static int CodePoints(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    // PostgreSQL text holds neither NUL nor unpaired surrogates (they cannot be encoded in UTF-8).
    public static bool IsStorable(string text)
    {
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }
}
