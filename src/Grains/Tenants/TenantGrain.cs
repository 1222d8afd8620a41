using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nito.AsyncEx;
using Npgsql;
using Orleans.Concurrency;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Abstractions.Crm;
using OrleansTenants.Abstractions.Tenants;
using OrleansTenants.Catalog.Moves;
using OrleansTenants.Catalog.Store;
using OrleansTenants.Crm;
using OrleansTenants.Grains.DataCopy;
using OrleansTenants.Postgres;

namespace OrleansTenants.Grains.Tenants;

/// <summary>
/// The tenant's activation is its cache: configuration, API-key hashes and the pooled client are loaded on
/// activation and released on deactivation, so deactivating the grain is how every change takes effect.
/// </summary>
/// <remarks>
/// Reentrant, so CRM calls run concurrently (bounded by <see cref="TenantGuard"/>). What must not overlap them is
/// ordered by <see cref="_lifecycle"/>: every CRM call holds it shared, an offline move's copy and cut-over hold it
/// exclusive (calls that arrive meanwhile wait, then run on the new placement). Writes also hold <see cref="_writes"/>
/// shared, taken first, which an online move's cut-over holds exclusive: only writes wait for it. Deactivation needs no gate:
/// Orleans runs OnDeactivateAsync only once no call is running, and holds new calls for the next activation.
/// </remarks>
[GrainType("tenant")]
[Reentrant]
[SuppressMessage("Design", "CA1001", Justification = "Orleans does not dispose grain instances: OnDeactivateAsync, or a failed OnActivateAsync, releases what the activation holds.")]
public sealed partial class TenantGrain(
    TenantConfigurationLoader loader,
    SharedDataSources sharedDataSources,
    TenantMoveCatalog moves,
    DatabaseCatalog databases,
    MoveReplicationFactory replications,
    TenantActivationControl activations,
    IOptions<TenantDataOptions> options,
    TimeProvider time,
    ILogger<TenantGrain> logger) : Grain, ITenantGrain
{
    private const int IdempotencyPurgeBatch = 1000;
    private readonly TenantDataOptions _options = options.Value;
    private readonly AsyncReaderWriterLock _lifecycle = new();
    private readonly AsyncReaderWriterLock _writes = new();
    private TenantConfiguration? _configuration;
    private DataSourceLease? _lease;
    private TenantGuard? _guard;
    private long _lastWrite;
    private long _lastIdempotencyPurge = long.MinValue;

    private string TenantId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Known to this silo before the catalog is read: an admin change committed after the read below finds
        // this activation and deactivates it, so no activation keeps settings older than a finished admin call.
        activations.Register(TenantId, GrainContext);
        try
        {
            await LoadAsync(cancellationToken);
        }
        catch
        {
            // A failed activation gets no OnDeactivateAsync.
            await ReleaseAsync();
            activations.Unregister(TenantId, GrainContext);
            throw;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await ReleaseAsync();
        activations.Unregister(TenantId, GrainContext);
        LogDeactivated(TenantId, reason.ReasonCode);
    }

    public Task<TenantResult> ListAsync(byte[] keyHash, string resource, Dictionary<string, string?> query, CancellationToken cancellationToken) =>
        RunAsync(keyHash, resource, write: false, definition =>
        {
            var parsed = ListQuery.Parse(definition, query);
            return async (connection, tenantId, ct) =>
                new TenantResult(TenantOutcome.Ok, await CrmRepository.ListAsync(connection, definition, tenantId, parsed, _options.ExactCountCap, ct));
        }, cancellationToken);

    public Task<TenantResult> GetAsync(byte[] keyHash, string resource, Guid id, CancellationToken cancellationToken) =>
        RunAsync(keyHash, resource, write: false, definition => async (connection, tenantId, ct) =>
            await CrmRepository.GetAsync(connection, definition, tenantId, id, ct) is { } json
                ? new TenantResult(TenantOutcome.Ok, json, id)
                : NotFound(definition, id), cancellationToken);

    public Task<TenantResult> CreateAsync(byte[] keyHash, string resource, byte[] body, string? idempotencyKey, CancellationToken cancellationToken) =>
        RunAsync(keyHash, resource, write: true, definition =>
        {
            using var document = JsonDocument.Parse(body);
            var values = CrmRepository.ValidateCreate(definition, document.RootElement, idempotencyKey);
            return async (connection, tenantId, ct) =>
            {
                if (idempotencyKey is not null && IdempotencyPurgeIsDue())
                {
                    await CrmRepository.PurgeIdempotencyKeysAsync(connection, tenantId, _options.IdempotencyRetention, IdempotencyPurgeBatch, ct);
                }

                var (replayed, json, id) = await CrmRepository.CreateAsync(connection, definition, tenantId, values, idempotencyKey, ct);
                return new TenantResult(TenantOutcome.Created, json, id, Replayed: replayed);
            };
        }, cancellationToken);

    public Task<TenantResult> PatchAsync(byte[] keyHash, string resource, Guid id, byte[] patch, CancellationToken cancellationToken) =>
        RunAsync(keyHash, resource, write: true, definition =>
        {
            using var document = JsonDocument.Parse(patch);
            var values = CrmBodyValidator.ValidatePatch(definition, document.RootElement);
            return async (connection, tenantId, ct) =>
                await CrmRepository.PatchAsync(connection, definition, tenantId, id, values, ct) is { } json
                    ? new TenantResult(TenantOutcome.Ok, json, id)
                    : NotFound(definition, id);
        }, cancellationToken);

    public Task<TenantResult> DeleteAsync(byte[] keyHash, string resource, Guid id, CancellationToken cancellationToken) =>
        RunAsync(keyHash, resource, write: true, definition => async (connection, tenantId, ct) =>
            await CrmRepository.DeleteAsync(connection, definition, tenantId, id, ct)
                ? new TenantResult(TenantOutcome.Deleted, Id: id)
                : NotFound(definition, id), cancellationToken);

    /// <summary>Reads the tenant's configuration and takes its pool; an interrupted move found on the way is failed first.</summary>
    /// <param name="prepared">A pool made for the configuration about to be read (a move's target): used if it fits.</param>
    private async Task LoadAsync(CancellationToken cancellationToken, DataSourceLease? prepared = null)
    {
        _configuration = await loader.LoadAsync(TenantId, cancellationToken);
        if (_configuration?.Tenant.Status == TenantStatuses.Moving)
        {
            // Only an activation moves its tenant, so a new one finding it moving means the last was cut short.
            await moves.FailInterruptedAsync(_configuration.Tenant.Id, cancellationToken);
            _configuration = await loader.LoadAsync(TenantId, cancellationToken);
        }

        if (_configuration is null)
        {
            return;
        }

        var tenant = _configuration.Tenant;
        _lease = prepared is not null && prepared.Serves(tenant.DatabaseName, _configuration.Connection)
            ? prepared
            : NewLease(tenant, tenant.DatabaseName, _configuration.Connection, _configuration.OwnsPool);
        _guard = new TenantGuard(tenant.Id, tenant.MaxConcurrency, _options, time, logger);
        LogActivated(tenant.Id, tenant.PlacementMode, tenant.DatabaseName);
    }

    private DataSourceLease NewLease(TenantRecord tenant, string databaseName, ConnectionSettings connection, bool ownPool) =>
        ownPool
            ? DataSourceLease.Own(TenantDataSourceFactory.Create(connection, $"orleans-tenants:{tenant.Id}", tenant.MaxPoolSize, _options), databaseName, connection)
            : sharedDataSources.Lease(databaseName, connection);

    /// <summary>Releases the pool (or the lease of a shared one) and the guard; runs on every path out of an activation.</summary>
    private async Task ReleaseAsync()
    {
        if (_lease is not null)
        {
            await _lease.DisposeAsync();
            _lease = null;
        }

        _guard?.Dispose();
        _guard = null;
    }

    private async Task<TenantResult> RunAsync(
        byte[] keyHash,
        string resource,
        bool write,
        Func<ResourceDefinition, TenantOperation> plan,
        CancellationToken cancellationToken)
    {
        using var writing = write ? await _writes.ReaderLockAsync(cancellationToken) : null;
        using var shared = await _lifecycle.ReaderLockAsync(cancellationToken);
        if (_configuration is null)
        {
            // No such tenant: nothing worth keeping, and made-up ids must not pile up activations.
            DeactivateOnIdle();
            return new TenantResult(TenantOutcome.Unauthorized);
        }

        if (_guard is null || _lease is null || !_configuration.ApiKeyHashes.Contains(Convert.ToHexStringLower(keyHash)))
        {
            return new TenantResult(TenantOutcome.Unauthorized);
        }

        if (_configuration.Tenant.Status != TenantStatuses.Active)
        {
            return new TenantResult(TenantOutcome.Suspended, Detail: $"Tenant '{_configuration.Tenant.Id}' is {_configuration.Tenant.Status}.");
        }

        if (!CrmResources.TryGet(resource, out var definition))
        {
            return new TenantResult(TenantOutcome.NotFound, Detail: $"There is no resource '{resource}'. Resources: {string.Join(", ", CrmResources.All.Select(r => r.Name))}.");
        }

        // Input is checked before any database work: invalid input is a 400 even while the database is down or busy.
        TenantOperation operation;
        try
        {
            operation = plan(definition);
        }
        catch (CrmValidationException invalid)
        {
            return new TenantResult(TenantOutcome.Invalid, Detail: invalid.Message, Errors: invalid.ToErrorMap());
        }
        catch (JsonException malformed)
        {
            return new TenantResult(TenantOutcome.Invalid, Detail: $"The request body is not valid JSON: {malformed.Message}");
        }

        var primary = _lease.DataSource.Primary;
        var readFromPrimary = write || time.GetElapsedTime(Interlocked.Read(ref _lastWrite)) < _options.ReadYourWritesWindow;
        var dataSource = readFromPrimary ? primary : _lease.DataSource.ForReads();
        var tenantId = _configuration.Tenant.DataTenantId;
        var guard = _guard;
        // On the thread pool, not the activation's scheduler, which runs one piece of grain code at a time: the tenant's
        // concurrent calls read rows and write JSON in parallel. The work touches no grain field but through Interlocked.
        var result = await Task.Run(
            () => guard.RunAsync(
                async ct =>
                {
                    if (dataSource != primary)
                    {
                        try
                        {
                            return await ExecuteAsync(dataSource, tenantId, operation, ct);
                        }
                        catch (Exception ex) when (DatabaseErrors.IsUnavailable(ex) && !ct.IsCancellationRequested)
                        {
                            // A replica that fails is not the tenant's database failing: the read goes to the primary,
                            // inside the breaker's view, so only the primary's answer counts.
                            LogReplicaFailed(tenantId, DatabaseErrors.Describe(ex));
                        }
                    }

                    return await ExecuteAsync(primary, tenantId, operation, ct);
                },
                cancellationToken),
            cancellationToken);

        if (write && result.Outcome is TenantOutcome.Created or TenantOutcome.Ok or TenantOutcome.Deleted)
        {
            Interlocked.Exchange(ref _lastWrite, time.GetTimestamp());
        }

        return result;
    }

    private async Task<TenantResult> ExecuteAsync(NpgsqlDataSource dataSource, string tenantId, TenantOperation operation, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantSession.BeginAsync(connection, tenantId, _options.StatementTimeout, cancellationToken);
        var outcome = await operation(connection, tenantId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return outcome;
    }

    /// <summary>At most once per interval per activation; the first keyed create after activation purges.</summary>
    private bool IdempotencyPurgeIsDue()
    {
        var last = Interlocked.Read(ref _lastIdempotencyPurge);
        var now = time.GetTimestamp();
        return (last == long.MinValue || time.GetElapsedTime(last, now) >= _options.IdempotencyPurgeInterval)
            && Interlocked.CompareExchange(ref _lastIdempotencyPurge, now, last) == last;
    }

    /// <summary>A validated request's database work: run on an open connection inside the tenant's transaction.</summary>
    private delegate Task<TenantResult> TenantOperation(NpgsqlConnection connection, string tenantId, CancellationToken cancellationToken);

    private static TenantResult NotFound(ResourceDefinition definition, Guid id) =>
        new(TenantOutcome.NotFound, Detail: $"There is no {definition.Name} row with id {id}.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} activated ({Mode} on database {Database})")]
    private partial void LogActivated(string tenantId, string mode, string database);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A replica failed a read for tenant {TenantId} ({Error}); read from the primary")]
    private partial void LogReplicaFailed(string tenantId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} deactivated ({Reason})")]
    private partial void LogDeactivated(string tenantId, DeactivationReasonCode reason);
}
