namespace OrleansTenants.LoadTester.Workload;

/// <summary>
/// Ranks 0..n-1 drawn with probability proportional to 1 / (rank + 1)^s (Zipf); s = 0 is uniform. Sampling is a
/// binary search in the precomputed cumulative distribution.
/// </summary>
internal sealed class Zipf
{
    private readonly double[] _cumulative;

    public Zipf(int n, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(exponent);
        _cumulative = new double[n];
        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += 1 / Math.Pow(i + 1, exponent);
            _cumulative[i] = sum;
        }

        for (var i = 0; i < n; i++)
        {
            _cumulative[i] /= sum;
        }
    }

    /// <summary>The probability of <paramref name="rank"/>.</summary>
    public double Probability(int rank) => _cumulative[rank] - (rank == 0 ? 0 : _cumulative[rank - 1]);

    public int Sample(Random random)
    {
        var u = random.NextDouble();
        var index = Array.BinarySearch(_cumulative, u);
        return Math.Min(_cumulative.Length - 1, index >= 0 ? index : ~index);
    }
}
