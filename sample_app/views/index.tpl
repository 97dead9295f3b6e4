% rebase('layout.tpl', title=title)
<ul id="notes">
% for note in notes:
  <li><strong>{{note['title']}}</strong> <span class="words">{{note['words'] if note['words'] is not None else '…'}} words</span></li>
% end
</ul>
% if not notes:
<p class="empty">No notes yet.</p>
% end
