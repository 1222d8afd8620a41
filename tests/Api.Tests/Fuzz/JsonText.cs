using System.Globalization;
using System.Text;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>One member of a generated JSON object, its value as JSON text.</summary>
internal sealed record Member(string Name, string Json);

/// <summary>
/// JSON written by hand, so that generated bodies can hold what a serializer would refuse to write: lone
/// surrogates (as \u escapes), duplicate names, NUL characters, numbers no .NET type holds.
/// </summary>
internal static class JsonText
{
    public static string Quote(string text)
    {
        var builder = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case < ' ' or (>= '\uD800' and <= '\uDFFF'):
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    public static string Object(IEnumerable<Member> members) =>
        "{" + string.Join(",", members.Select(m => Quote(m.Name) + ":" + m.Json)) + "}";
}
