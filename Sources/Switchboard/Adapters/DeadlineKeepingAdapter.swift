/// An adapter whose calls end by their `AdapterCall.deadline` on their own (the upstream client's timer
/// fails them there), so the engine does not race each attempt against a timer and a task of its own.
package protocol DeadlineKeepingAdapter: ProviderAdapter {}
