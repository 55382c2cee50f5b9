// The per-partition checkpointer of the kafka input: which offset may be committed when
// messages of one partition are acknowledged out of order.
//
// Messages are tracked in the order they were read, in spans (the messages of one partition
// within one batch). A span is acknowledged as a whole. The committable offset is the offset
// after the last span of the longest acknowledged prefix: everything below it was delivered, and
// the first unacknowledged message is at or above it. So a commit never passes a message still in
// flight, however late its acknowledgement comes, and a nacked span (replayed, acknowledged later)
// holds the partition's commits back until it is delivered.
//
// Offsets within a partition need not be contiguous (compaction, transaction markers): a span
// records the offset after its last message, which is what Kafka's commit means ("the next offset
// to read"). Pure logic with no locking: the input guards each partition's checkpointer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace plugctl::kafka {

class Checkpointer {
public:
  // `committed` is where reading started (the committed offset, or -1 when unknown): the
  // checkpointer never reports an offset it was not given by a span.
  explicit Checkpointer(int64_t committed = -1) : committable_(committed) {}

  // Tracks a span of `count` messages whose last offset is `last_offset`. Returns its handle
  // (spans must be tracked in read order).
  uint64_t track(int64_t last_offset, size_t count) {
    spans_.push_back(Span{last_offset + 1, count, false});
    pending_ += count;
    return base_ + spans_.size() - 1;
  }

  // Marks a span acknowledged. Returns the new committable offset when it moved forward.
  // Unknown or already acknowledged handles are ignored.
  std::optional<int64_t> ack(uint64_t handle) {
    if (handle < base_ || handle - base_ >= spans_.size()) return std::nullopt;
    Span& s = spans_[handle - base_];
    if (s.acked) return std::nullopt;
    s.acked = true;
    pending_ -= s.count;
    bool moved = false;
    while (!spans_.empty() && spans_.front().acked) {
      committable_ = spans_.front().next_offset;
      spans_.pop_front();
      ++base_;
      moved = true;
    }
    if (!moved) return std::nullopt;
    return committable_;
  }

  // The offset after the longest acknowledged prefix (-1 when nothing was acknowledged yet and
  // the start was unknown).
  int64_t committable() const { return committable_; }
  // Messages tracked and not acknowledged yet.
  size_t pending() const { return pending_; }
  // Spans tracked and not yet popped (acknowledged spans after an unacknowledged one count).
  size_t spans() const { return spans_.size(); }

private:
  struct Span {
    int64_t next_offset;
    size_t count;
    bool acked;
  };
  std::deque<Span> spans_;
  uint64_t base_ = 0; // handle of spans_.front()
  size_t pending_ = 0;
  int64_t committable_;
};

} // namespace plugctl::kafka
