using Microsoft.Extensions.Options;
using TracktileFunctions.Erp;
using TracktileFunctions.Messaging;
using TracktileFunctions.Tracktile;

namespace TracktileFunctions.Processing;

/// <summary>
/// <c>order.status.changed</c> -> one ERP sales order per Tracktile order: the first event with a creating status
/// creates it (from the order fetched from Tracktile), later events update its status, and an event older than the
/// last applied one changes nothing.
/// </summary>
/// <remarks>
/// Events of one order may run at the same time (a batch, several instances). The state row is saved with optimistic
/// concurrency; when another event saved first, the ERP calls of the two may have landed in either order, so the
/// newer event's status is sent again before the state is saved. The ERP therefore always ends in the newest state.
/// </remarks>
public sealed class ErpOrderConsumer(
    TracktileClient tracktile, ErpClient erp, SyncStateStore state, IOptions<ErpOrderOptions> options) : IEventConsumer
{
    /// <summary>The state scope (table partition) of ERP sales orders.</summary>
    public const string Scope = "erp-order";

    private const int MaxSaveAttempts = 5;
    private const string Cancelled = "cancelled";

    private readonly ErpOrderOptions _options = options.Value;

    /// <inheritdoc />
    public string Name => "erp-orders";

    /// <inheritdoc />
    public async Task<string> HandleAsync(WebhookEventReceived evt, CancellationToken cancellationToken)
    {
        var orderId = evt.RequiredString("orderId");
        var status = evt.RequiredString("currentOrderStatus");
        var time = evt.EffectiveTime();

        var record = await state.GetAsync(Scope, orderId, cancellationToken).ConfigureAwait(false);
        if (record is not null && record.IsNewerThan(time, evt.EventId))
        {
            if (evt.Attempt > 1 && record.TargetId is not null && record.Status is not null)
            {
                // An earlier attempt of this older event may have reached the ERP after the newer one and then died
                // before saving: put the newer status back.
                await SendStatusAsync(record.TargetId, record.Status, record.AppliedEventTime, record.AppliedEventId!,
                    $"{ErpOrderMapping.StatusKey(record.AppliedEventId!)}-reassert-{evt.EventId}", cancellationToken).ConfigureAwait(false);
            }

            return $"stale: {status} at {time:O} is older than {record.Status} at {record.AppliedEventTime:O}";
        }

        var erpId = record?.TargetId;
        string outcome;
        if (erpId is null)
        {
            if (!_options.CreateOnStatuses.Contains(status, StringComparer.Ordinal))
            {
                outcome = $"not created: status {status} does not create a sales order";
            }
            else
            {
                var order = await tracktile.GetOrderAsync(orderId, cancellationToken).ConfigureAwait(false);
                var salesOrder = ErpOrderMapping.ToSalesOrder(order, ErpOrderMapping.MapStatus(status, _options), evt);
                var created = await erp.CreateSalesOrderAsync(salesOrder, ErpOrderMapping.CreateKey(orderId), cancellationToken).ConfigureAwait(false);
                erpId = created.Id;
                if (created.Replayed)
                {
                    // Created earlier by an event whose state was never saved: make sure it holds this status.
                    await SendStatusAsync(erpId, status, time, evt.EventId, ErpOrderMapping.StatusKey(evt.EventId), cancellationToken).ConfigureAwait(false);
                }

                outcome = $"created sales order {erpId} ({status})";
            }
        }
        else if (status == record!.Status)
        {
            outcome = $"unchanged: sales order {erpId} already {status}";
        }
        else
        {
            outcome = await SendStatusAsync(erpId, status, time, evt.EventId, ErpOrderMapping.StatusKey(evt.EventId), cancellationToken).ConfigureAwait(false)
                ? $"sales order {erpId} -> {status}"
                : $"not sent: {status} is not sent to the ERP";
        }

        var next = new SyncRecord(Scope, orderId)
        {
            TargetId = erpId,
            Status = status,
            AppliedEventId = evt.EventId,
            AppliedEventTime = time,
            ETag = record?.ETag ?? default,
        };
        await SaveAsync(next, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private async Task SaveAsync(SyncRecord next, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await state.TrySaveAsync(next, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            if (attempt == MaxSaveAttempts)
            {
                throw new InvalidOperationException($"order {next.Key}: state kept changing under {MaxSaveAttempts} saves");
            }

            var current = await state.GetAsync(Scope, next.Key, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"order {next.Key}: state vanished during a save");

            if (current.AppliedEventId == next.AppliedEventId)
            {
                return; // a redelivered copy of this very event saved first
            }

            // Another event of this order saved in between: its ERP call and ours landed in an unknown order, so
            // unless both sent the same status, the newer one is sent again.
            var newest = current.IsNewerThan(next.AppliedEventTime!.Value, next.AppliedEventId!) ? current : next;
            var erpId = next.TargetId ?? current.TargetId;
            if (erpId is not null && newest.Status is not null && current.Status != next.Status)
            {
                await SendStatusAsync(erpId, newest.Status, newest.AppliedEventTime, newest.AppliedEventId!,
                    $"{ErpOrderMapping.StatusKey(newest.AppliedEventId!)}-reapply-{Guid.NewGuid():N}", cancellationToken).ConfigureAwait(false);
            }

            next = new SyncRecord(Scope, next.Key)
            {
                TargetId = erpId,
                Status = newest.Status,
                AppliedEventId = newest.AppliedEventId,
                AppliedEventTime = newest.AppliedEventTime,
                ETag = current.ETag,
            };
        }
    }

    /// <returns>False when the status is not sent (cancellation turned off).</returns>
    private async Task<bool> SendStatusAsync(
        string erpId, string status, DateTimeOffset? time, string eventId, string idempotencyKey, CancellationToken cancellationToken)
    {
        if (status == Cancelled && !_options.CancelInErp)
        {
            return false;
        }

        var update = new ErpSalesOrderStatusUpdate(ErpOrderMapping.MapStatus(status, _options), time, eventId);
        await erp.UpdateSalesOrderStatusAsync(erpId, update, idempotencyKey, cancellationToken).ConfigureAwait(false);
        return true;
    }
}
