using System.Text.RegularExpressions;
using Npgsql;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Catalog.Store;

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

    /// <summary>
    /// Replicas join the primary in one Npgsql multi-host pool, which has one database and one set of credentials:
    /// a replica may differ from the primary only in Host and Port, and with replicas the primary names one host.
    /// </summary>
    public static ConnectionSettings ValidSettings(string? connectionString, IReadOnlyList<string>? replicas, string field)
    {
        var primary = RequireConnectionString(connectionString, field);
        var valid = new List<string>();
        if (replicas is { Count: > 0 })
        {
            var primaryBuilder = new NpgsqlConnectionStringBuilder(primary);
            if (primaryBuilder.Host!.Contains(',', StringComparison.Ordinal))
            {
                throw new AdminRequestException(field, "must name one host when replicas are given");
            }

            for (var i = 0; i < replicas.Count; i++)
            {
                var replica = new NpgsqlConnectionStringBuilder(RequireConnectionString(replicas[i], $"replicas[{i}]"));
                if (replica.Host!.Contains(',', StringComparison.Ordinal)
                    || (replica.Database is not null && replica.Database != primaryBuilder.Database)
                    || (replica.Username is not null && replica.Username != primaryBuilder.Username)
                    || (replica.Password is not null && replica.Password != primaryBuilder.Password))
                {
                    throw new AdminRequestException($"replicas[{i}]", "must name one host and use the primary's database and credentials (only Host and Port may differ)");
                }

                valid.Add(replicas[i]);
            }
        }

        return new ConnectionSettings(primary, valid);
    }

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
