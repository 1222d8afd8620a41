using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace OrleansTenants.Postgres.Migrations;

/// <summary>
/// An ordered set of migrations (for example <c>catalog</c> or <c>tenant</c>), applied to a database
/// and recorded per set in its <c>schema_migrations</c> table.
/// </summary>
public sealed partial class MigrationSet
{
    public MigrationSet(string name, IEnumerable<Migration> migrations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Migrations = [.. migrations.OrderBy(m => m.Version)];
        var duplicate = Migrations.GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException(
                $"Migration set '{name}' has two files numbered {duplicate.Key}: {string.Join(", ", duplicate.Select(m => m.FileName))}.");
        }
    }

    public string Name { get; }

    public IReadOnlyList<Migration> Migrations { get; }

    public int LatestVersion => Migrations.Count == 0 ? 0 : Migrations[^1].Version;

    /// <summary>Reads the scripts embedded in <paramref name="assembly"/> under <c>migrations/{setName}/NNNN_name.sql</c>.</summary>
    public static MigrationSet FromEmbeddedResources(Assembly assembly, string setName)
    {
        var prefix = $"migrations/{setName}/";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(FromScript(resource[prefix.Length..], reader.ReadToEnd()));
        }

        return new MigrationSet(setName, migrations);
    }

    public static Migration FromScript(string fileName, string sql)
    {
        var match = FileNamePattern().Match(fileName);
        if (!match.Success)
        {
            throw new InvalidOperationException($"Migration file '{fileName}' must be named NNNN_description.sql.");
        }

        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
        return new Migration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), fileName, sql, checksum);
    }

    [GeneratedRegex(@"^(\d{4})_[a-z0-9_]+\.sql$")]
    private static partial Regex FileNamePattern();
}
