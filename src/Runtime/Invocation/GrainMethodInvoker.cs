using System.Linq.Expressions;
using System.Reflection;

namespace OrleansTenants.Runtime.Invocation;

/// <summary>Compiles a delegate per grain method once, so dispatch is a call, not reflection.</summary>
internal static class GrainMethodInvoker
{
    public static Func<object, object?[], CancellationToken, Task<object?>> Compile(MethodInfo method, IReadOnlyList<Type> argumentTypes, bool hasCancellation)
    {
        var grain = Expression.Parameter(typeof(object), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var cancellation = Expression.Parameter(typeof(CancellationToken), "cancellationToken");

        var callArguments = new List<Expression>();
        for (var i = 0; i < argumentTypes.Count; i++)
        {
            callArguments.Add(Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), argumentTypes[i]));
        }

        if (hasCancellation)
        {
            callArguments.Add(cancellation);
        }

        var call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, callArguments);
        var awaited = Expression.Call(GrainResultAdapter.GetBoxingAwaiter(method.ReturnType, method), call);
        return Expression.Lambda<Func<object, object?[], CancellationToken, Task<object?>>>(awaited, grain, args, cancellation).Compile();
    }
}
