namespace TracktileFunctions.Processing;

/// <summary>
/// Something the event needs is not there yet (an item the product batch has not written, a sales order not created
/// yet, a shipment whose order no event has named): the event is retried later, and poisoned with this reason only
/// after its last attempt. Events arrive unordered, so this is not a permanent failure.
/// </summary>
public sealed class NotReadyException(string message) : Exception(message);
