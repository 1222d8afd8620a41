using OrleansTenants.Runtime.Membership;

namespace OrleansTenants.Runtime.Messaging;

internal enum TransportOutcomeKind
{
    /// <summary>The grain answered; <see cref="TransportOutcome.Body"/> holds the result.</summary>
    Ok,

    /// <summary>The grain method threw; <see cref="TransportOutcome.Error"/> says what.</summary>
    Failed,

    /// <summary>Another silo owns the grain; the call did not start.</summary>
    NotHere,

    /// <summary>The silo refused the call (stopping, or fenced); the call did not start.</summary>
    NotServing,

    /// <summary>The silo refused this process's cluster secret; the call did not start, and retrying cannot help.</summary>
    Refused,

    /// <summary>No connection could be made; the call did not start.</summary>
    Unreachable,

    /// <summary>The connection broke after the request was sent; the call may have run.</summary>
    Broken,
}

internal sealed record TransportOutcome(TransportOutcomeKind Kind, byte[]? Body = null, SiloAddress? Silo = null, GrainCallError? Error = null);
