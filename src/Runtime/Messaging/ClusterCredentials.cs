using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Npgsql;
using OrleansTenants.Runtime.Hosting;

namespace OrleansTenants.Runtime.Messaging;

/// <summary>
/// The cluster secret that every request to a silo's internal endpoint carries as <c>Authorization: Bearer</c>:
/// <see cref="SiloOptions.ClusterSecret"/> when configured, else the random one in <c>cluster.cluster_secret</c>,
/// which the first silo creates. A plain bearer token is enough because that endpoint is cleartext HTTP/2 meant for
/// a private network: it keeps out whoever can reach the port without being part of the cluster; it does not hide
/// the secret from someone who can read that network's traffic (that would take TLS).
/// The secret is kept only here, and never put into a log, a message or an exception.
/// </summary>
internal sealed class ClusterCredentials(ClusterDatabase database, IOptions<SiloOptions> options) : IDisposable
{
    private const string Scheme = "Bearer ";
    private const int SecretBytes = 32;

    private readonly SemaphoreSlim _loading = new(1, 1);
    private Credential? _credential;

    /// <summary>
    /// A silo's start: reads the secret, creating it first when no silo has. Concurrent first starts agree on one
    /// value: the insert keeps whichever row committed first and every silo reads that row back.
    /// </summary>
    public async Task LoadForSiloAsync(CancellationToken cancellationToken)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_credential is null)
            {
                Volatile.Write(ref _credential, Configured() ?? await ReadAsync(create: true, cancellationToken)
                    ?? throw new InvalidOperationException("The cluster secret was created but cannot be read back."));
            }
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>The <c>Authorization</c> header value; a cluster client reads the secret on its first call.</summary>
    public async ValueTask<string> GetAuthorizationAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _credential) is { } known)
        {
            return known.Authorization;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            if (_credential is null)
            {
                Volatile.Write(ref _credential, Configured() ?? await ReadForClientAsync(cancellationToken));
            }

            return _credential.Authorization;
        }
        finally
        {
            _loading.Release();
        }
    }

    /// <summary>Whether a request's <c>Authorization</c> header carries the secret; compared in constant time.</summary>
    public bool Accepts(StringValues authorization)
    {
        var credential = Volatile.Read(ref _credential);
        if (credential is null || authorization.Count != 1 || authorization[0] is not { } header
            || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Digests of equal length, so the comparison reveals neither the secret's content nor its length.
        return CryptographicOperations.FixedTimeEquals(Digest(header[Scheme.Length..]), credential.Digest);
    }

    public void Dispose() => _loading.Dispose();

    private Credential? Configured() => options.Value.ClusterSecret is { Length: > 0 } secret ? new Credential(secret) : null;

    private async Task<Credential> ReadForClientAsync(CancellationToken cancellationToken)
    {
        Credential? stored;
        try
        {
            stored = await ReadAsync(create: false, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            stored = null;
        }
        catch (NpgsqlException ex)
        {
            // Worth another try on the next call, like any call that finds no silo.
            throw new SiloUnavailableException("The cluster secret could not be read from the cluster database.", ex);
        }

        return stored ?? throw new ClusterAuthenticationException(
            "The cluster database holds no cluster secret: no silo has started on it with the default settings. " +
            "If the silos are configured with Silo:ClusterSecret, configure this process with the same value.");
    }

    private async Task<Credential?> ReadAsync(bool create, CancellationToken cancellationToken)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        if (create)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO cluster.cluster_secret (id, secret) VALUES (true, @secret) ON CONFLICT (id) DO NOTHING", connection);
            insert.Parameters.AddWithValue("secret", RandomNumberGenerator.GetBytes(SecretBytes));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // A statement of its own, so that under READ COMMITTED it sees the row of a silo whose insert won the race.
        await using var select = new NpgsqlCommand("SELECT secret FROM cluster.cluster_secret", connection);
        return await select.ExecuteScalarAsync(cancellationToken) is byte[] secret ? new Credential(Base64Url.EncodeToString(secret)) : null;
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    private sealed class Credential(string token)
    {
        public string Authorization { get; } = Scheme + token;

        public byte[] Digest { get; } = ClusterCredentials.Digest(token);

        public override string ToString() => nameof(Credential);
    }
}
