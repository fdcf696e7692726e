using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.DependencyInjection;

namespace TracktileFunctions.IntegrationTests.Infrastructure;

/// <summary>
/// Runs one isolated queue function for one message, as the worker would: a DI scope per invocation, the function
/// class built from that scope, the parameters bound from the message, and the function's own exception thrown
/// unchanged (so the queue extension sees a failed run and retries).
/// </summary>
/// <remarks>
/// Binds the trigger parameter as <see cref="string"/>, <see cref="QueueMessage"/>, <see cref="BinaryData"/>,
/// <c>byte[]</c> or a POCO (System.Text.Json, web defaults); a <see cref="CancellationToken"/>; and trigger metadata
/// by parameter name: <c>id</c>, <c>dequeueCount</c>, <c>popReceipt</c>, <c>insertionTime</c>,
/// <c>expirationTime</c>, <c>nextVisibleTime</c>. Anything else (<c>FunctionContext</c>, input or output bindings,
/// a return value) throws <see cref="NotSupportedException"/>: the gap shows instead of passing silently.
/// </remarks>
public static class IsolatedFunctionInvoker
{
    private static readonly string[] MetadataNames =
        ["id", "dequeueCount", "popReceipt", "insertionTime", "expirationTime", "nextVisibleTime"];

    /// <summary>Throws <see cref="NotSupportedException"/> if the harness cannot run <paramref name="function"/>.</summary>
    public static void EnsureSupported(IsolatedQueueFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var returnType = function.Method.ReturnType;
        if (returnType != typeof(void) && returnType != typeof(Task) && returnType != typeof(ValueTask))
        {
            throw new NotSupportedException(
                $"{function}: returns {returnType.Name}. Return values are output bindings, which this harness does not run.");
        }

        foreach (var parameter in function.Method.GetParameters())
        {
            if (parameter.Position != function.TriggerParameter.Position
                && parameter.ParameterType != typeof(CancellationToken)
                && MetadataName(parameter) is null)
            {
                throw Unsupported(function, parameter);
            }
        }
    }

    /// <summary>Runs <paramref name="function"/> for <paramref name="message"/> with services from <paramref name="services"/>.</summary>
    public static async Task InvokeAsync(
        IsolatedQueueFunction function,
        IServiceProvider services,
        QueueMessage message,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(message);
        EnsureSupported(function);

        await using var scope = services.CreateAsyncScope();
        var instance = function.Method.IsStatic
            ? null
            : ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.FunctionType);
        try
        {
            var arguments = function.Method.GetParameters()
                .Select(p => Bind(function, p, message, cancellationToken))
                .ToArray();
            var result = function.Method.Invoke(instance, BindingFlags.DoNotWrapExceptions, binder: null, arguments, culture: null);
            switch (result)
            {
                case Task task:
                    await task.ConfigureAwait(false);
                    break;
                case ValueTask valueTask:
                    await valueTask.ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            switch (instance)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private static object? Bind(IsolatedQueueFunction function, ParameterInfo parameter, QueueMessage message, CancellationToken cancellationToken)
    {
        if (parameter.Position == function.TriggerParameter.Position)
        {
            return BindTrigger(parameter.ParameterType, message);
        }

        if (parameter.ParameterType == typeof(CancellationToken))
        {
            return cancellationToken;
        }

        object? value = MetadataName(parameter) switch
        {
            "id" => message.MessageId,
            "dequeueCount" => message.DequeueCount,
            "popReceipt" => message.PopReceipt,
            "insertionTime" => message.InsertedOn,
            "expirationTime" => message.ExpiresOn,
            "nextVisibleTime" => message.NextVisibleOn,
            _ => throw Unsupported(function, parameter),
        };
        return Convert(value, parameter.ParameterType, function, parameter);
    }

    private static object? BindTrigger(Type type, QueueMessage message)
    {
        if (type == typeof(string))
        {
            return message.Body.ToString();
        }

        if (type == typeof(QueueMessage))
        {
            return message;
        }

        if (type == typeof(BinaryData))
        {
            return message.Body;
        }

        if (type == typeof(byte[]))
        {
            return message.Body.ToArray();
        }

        return JsonSerializer.Deserialize(message.Body.ToMemory().Span, type, JsonSerializerOptions.Web);
    }

    private static string? MetadataName(ParameterInfo parameter) =>
        MetadataNames.FirstOrDefault(n => string.Equals(n, parameter.Name, StringComparison.OrdinalIgnoreCase));

    private static object? Convert(object? value, Type target, IsolatedQueueFunction function, ParameterInfo parameter)
    {
        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        return value switch
        {
            null when !target.IsValueType || underlying != target => null,
            null => throw new InvalidOperationException(
                $"{function}: the message has no {parameter.Name}, and parameter {parameter.Name} cannot be null."),
            _ when underlying.IsInstanceOfType(value) => value,
            DateTimeOffset time when underlying == typeof(DateTime) => time.UtcDateTime,
            DateTimeOffset time when underlying == typeof(string) => time.ToString("O", CultureInfo.InvariantCulture),
            IConvertible when underlying == typeof(string) || underlying.IsPrimitive =>
                System.Convert.ChangeType(value, underlying, CultureInfo.InvariantCulture),
            _ => throw Unsupported(function, parameter),
        };
    }

    private static NotSupportedException Unsupported(IsolatedQueueFunction function, ParameterInfo parameter) =>
        new($"{function}: cannot bind parameter '{parameter.Name}' of type {parameter.ParameterType.Name}. The harness " +
            $"binds the trigger, a CancellationToken, and the metadata {string.Join(", ", MetadataNames)}.");
}
