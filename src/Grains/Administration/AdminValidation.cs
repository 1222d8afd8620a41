using System.Text.RegularExpressions;
using Npgsql;

namespace OrleansTenants.Grains.Administration;

/// <summary>What admin requests must look like: names, slugs, connection strings and free text, each refusal naming its field.</summary>
internal static partial class AdminValidation
{
    public static string RequireName(string? name, string field) =>
        name is not null && DatabaseName().IsMatch(name)
            ? name
            : throw new AdminRequestException(field, "must be 1-63 characters of lower-case letters, digits, '-' and '_', starting with a letter");

    public static string RequireConnectionString(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new AdminRequestException(field, "is required");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(value);
            return string.IsNullOrEmpty(builder.Host) ? throw new AdminRequestException(field, "names no Host") : value;
        }
        catch (ArgumentException)
        {
            // The value may hold a password: the message says what is wrong, never what was sent.
            throw new AdminRequestException(field, "is not a valid PostgreSQL connection string");
        }
    }

    public static List<string> ValidReplicas(IReadOnlyList<string>? replicas) =>
        [.. (replicas ?? []).Select((r, i) => RequireConnectionString(r, $"replicas[{i}]"))];

    /// <summary>Free text the catalog stores (names, industries): no NUL, which PostgreSQL text refuses, and valid UTF-16.</summary>
    public static string RequirePlainText(string value, string field) =>
        value.Contains('\0', StringComparison.Ordinal) || !IsValidUtf16(value)
            ? throw new AdminRequestException(field, "must not contain NUL characters or unpaired surrogates")
            : value;

    public static bool IsValidUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")]
    public static partial Regex TenantId();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,62}$")]
    public static partial Regex DatabaseName();
}
