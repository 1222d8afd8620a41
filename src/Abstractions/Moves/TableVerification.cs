namespace OrleansTenants.Abstractions.Moves;

/// <summary>
/// One table of a moved tenant compared on both sides before the cut-over: its row count, and the sum of a hash of
/// every row's copied columns (order-independent, so rows may arrive in any order). Checksums are decimal text: the
/// sum of 64-bit hashes outgrows 64 bits.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("OrleansTenants.TableVerification")]
public sealed record TableVerification(
    string Table,
    long SourceRows,
    long TargetRows,
    string SourceChecksum,
    string TargetChecksum)
{
    public bool Matches => SourceRows == TargetRows && SourceChecksum == TargetChecksum;
}

/// <summary>The tenant's rows of one table on a move's target, as its copy goes.</summary>
[GenerateSerializer]
[Immutable]
[Alias("OrleansTenants.TableRows")]
public sealed record TableRows(string Table, long Rows);
