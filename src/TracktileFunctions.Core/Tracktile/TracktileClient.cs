using Microsoft.Extensions.Options;
using TracktileFunctions.Http;

namespace TracktileFunctions.Tracktile;

/// <summary>Tracktile's REST API (a typed <see cref="HttpClient"/> with authentication and resilience configured).</summary>
public sealed class TracktileClient(HttpClient http, IOptions<TracktileClientOptions> options)
{
    private static readonly JsonHttp.ErrorFactory Error = (s, c, r, d, i) => new TracktileApiException(s, c, r, d, i);

    private readonly TracktileClientOptions _options = options.Value;

    /// <summary>Reads one order.</summary>
    /// <exception cref="TracktileApiException">Tracktile refused (404 for an unknown order) or did not answer.</exception>
    public async Task<TracktileOrder> GetOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.OrderPath, ("orderId", orderId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<TracktileOrder>(response, Error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one inventory entity (a lot).</summary>
    /// <exception cref="TracktileApiException">Tracktile refused (404 for an unknown entity) or did not answer.</exception>
    public async Task<TracktileInventoryEntity> GetInventoryEntityAsync(string entityId, CancellationToken cancellationToken)
    {
        using var response = await JsonHttp.SendAsync(
            http, HttpMethod.Get, JsonHttp.Path(_options.InventoryEntityPath, ("entityId", entityId)), null, null, Error, cancellationToken).ConfigureAwait(false);
        return await JsonHttp.ReadAsync<TracktileInventoryEntity>(response, Error, cancellationToken).ConfigureAwait(false);
    }
}
