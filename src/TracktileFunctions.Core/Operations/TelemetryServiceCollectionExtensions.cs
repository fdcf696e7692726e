using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;

namespace TracktileFunctions.Operations;

/// <summary>Registers what the app records of its calls to outside systems (docs/telemetry.md).</summary>
public static class TelemetryServiceCollectionExtensions
{
    /// <summary>
    /// Puts an <see cref="OutboundCallHandler"/> in front of every HttpClient the factory builds, whatever registered
    /// it, as its outermost handler: outside each client's resilience handler, so a call retried three times is one
    /// call. Needs <see cref="ActivityLog"/> and <see cref="TimeProvider"/> registered.
    /// </summary>
    public static IServiceCollection AddTracktileTelemetry(this IServiceCollection services)
    {
        // ConfigureHttpClientDefaults would apply to every client too, but its builder has no client name (it is null
        // there), and the system is named after the client: a handler builder filter sees each client's name.
        services.AddHttpClient();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, OutboundCallFilter>());
        return services;
    }

    private sealed class OutboundCallFilter(ActivityLog activityLog, TimeProvider timeProvider) : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next)
            => builder =>
            {
                next(builder); // the client's own handlers (authentication, resilience) first...
                builder.AdditionalHandlers.Insert(0, new OutboundCallHandler(OutboundCallHandler.SystemOf(builder.Name), activityLog, timeProvider)); // ...then this one, outside them all
            };
    }
}
